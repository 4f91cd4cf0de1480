package jlguest.cpu.fpu;

/**
 * FPREM/FPREM1, FSCALE, FXTRACT and the transcendentals. (Stubs until implemented.)
 */
abstract class Special extends Formats {
}
