// gotest.go: a Go program for the booted guest, built with GOARCH=386 (GO386=sse2 and softfloat).
//
// Go's 386 port needs MMX even with GO386=softfloat and SSE2 by default, so this is the first
// real Go code jlguest runs: the runtime's scheduler, garbage collector and timers, goroutines
// and channels, maps, sort, strconv, math/big, sha256 and floating point. Sse2GuestTest builds it
// for 386 and runs it in the guest, and builds it for the host (or runs the 386 build there) as
// the oracle: the output must be the same bytes. Everything printed is exact on any IEEE machine
// (shortest round-trip formatting, exactly rounded operations); library functions that may
// differ in the last bit between ports (Exp, Log, Sin) are printed to 12 digits.
package main

import (
	"crypto/sha256"
	"fmt"
	"math"
	"math/big"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
)

var state uint32 = 0x9E3779B9

func next() uint32 { // xorshift32
	state ^= state << 13
	state ^= state >> 17
	state ^= state << 5
	return state
}

// primes counts the primes below n by trial division, split over goroutines.
func primes(n, workers int) int {
	jobs := make(chan int, 64)
	counts := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := 0
			for k := range jobs {
				prime := k >= 2
				for d := 2; d*d <= k; d++ {
					if k%d == 0 {
						prime = false
						break
					}
				}
				if prime {
					c++
				}
			}
			counts <- c
		}()
	}
	go func() {
		for k := 0; k < n; k++ {
			jobs <- k
		}
		close(jobs)
	}()
	go func() { wg.Wait(); close(counts) }()
	total := 0
	for c := range counts {
		total += c
	}
	return total
}

func floats() {
	x := 1.0
	var f32 float32 = 1
	for i := 0; i < 40; i++ {
		a := float64(int32(next())) / float64(uint32(1)<<(next()%31))
		b := math.Float64frombits(uint64(next())<<32 | uint64(next()))
		x = x*1.0000001 + a/3
		f32 = f32*1.5 - float32(a)
		fmt.Println("f", i, strconv.FormatFloat(a, 'g', -1, 64), strconv.FormatFloat(b, 'e', -1, 64),
			strconv.FormatFloat(math.Sqrt(math.Abs(a)), 'g', -1, 64), strconv.FormatFloat(x, 'g', -1, 64),
			strconv.FormatFloat(float64(f32), 'g', -1, 32), math.Floor(a), math.Trunc(a/7),
			int64(a*1e6), math.FMA(a, x, b), math.Float32bits(float32(b)))
		fmt.Printf("t %d %.12g %.12g %.12g %.12g\n", i, math.Exp(a/1e9), math.Log(math.Abs(a)+1),
			math.Sin(a/1e9), math.Pow(math.Abs(a)+1, 0.25))
	}
	for _, s := range []string{"3.14159", "1e-310", "0x1p-1074", "-0", "+Inf", "NaN", "123456789012345678",
		"2.2250738585072011e-308", "1.7976931348623157e308", "4.9406564584124654e-324"} {
		v, err := strconv.ParseFloat(s, 64)
		fmt.Println("p", s, v, math.Float64bits(v), err)
	}
}

func main() {
	fmt.Println("go", runtime.GOARCH, runtime.Version())
	fmt.Println("primes", primes(60000, 4))

	words := map[string]int{}
	for i := 0; i < 20000; i++ {
		words[fmt.Sprintf("w%03d", next()%500)]++
	}
	keys := make([]string, 0, len(words))
	for k := range words {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var sb strings.Builder
	for _, k := range keys[:20] {
		fmt.Fprintf(&sb, "%s=%d ", k, words[k])
	}
	fmt.Println("map", len(words), sb.String())

	type pair struct {
		key   uint32
		value float64
	}
	ps := make([]pair, 5000)
	for i := range ps {
		ps[i] = pair{next() % 1000, float64(int32(next())) / 1024}
	}
	sort.Slice(ps, func(i, j int) bool {
		if ps[i].key != ps[j].key {
			return ps[i].key < ps[j].key
		}
		return ps[i].value < ps[j].value
	})
	fmt.Println("sort", ps[0], ps[1], ps[2500], ps[4999])

	fact := big.NewInt(1)
	for i := int64(1); i <= 300; i++ {
		fact.Mul(fact, big.NewInt(i))
	}
	s := fact.String()
	fmt.Println("big", len(s), s[:40], new(big.Int).Mod(fact, big.NewInt(1000000007)))

	data := make([]byte, 256<<10)
	for i := range data {
		data[i] = byte(next())
	}
	fmt.Printf("sha256 %x\n", sha256.Sum256(data))

	floats()

	var m runtime.MemStats
	garbage := 0
	for i := 0; i < 500; i++ {
		garbage += len(make([]byte, 16<<10))
	}
	runtime.GC()
	runtime.ReadMemStats(&m)
	fmt.Println("gc", garbage, m.NumGC > 0)
	fmt.Println("end")
}
