# Userland compute workload (perl): the same steps as work.py.
use strict; use warnings;
# perl-base has no Time::HiRes: the inner figure is the process's CPU time (times), 10 ms ticks.
my @c0 = times;
my $N = 50000;
my %d;
for my $i (0 .. $N - 1) {
    $d{sprintf("k%07d", $i * 7919 % 1000003)} = $i;
}
my @keys = sort keys %d;
my $s = 0;
for my $k (@keys) {
    $s = ($s * 31 + $d{$k}) % 65521;
}
my $x = 1;
for my $i (0 .. 100000 - 1) {
    $x = ($x * 75 + 74) % 65537;
    $s ^= $x;
}
my @words = split ' ', join(' ', @keys[0 .. 12499]);
my $len = 0; $len += length($_) for @words;
$s = ($s + scalar(@words) + $len) % 65521;
my @c1 = times;
printf "perl checksum=%d inner_cpu_ms=%d\n", $s, ($c1[0] + $c1[1] - $c0[0] - $c0[1]) * 1000;
