package jlguest.cpu.fpu;

/** The transcendentals (stub). */
abstract class Transcendental extends Formats {
    final boolean transcendental(int modrm) {
        return false;
    }
}
