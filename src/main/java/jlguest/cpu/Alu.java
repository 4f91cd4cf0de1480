package jlguest.cpu;

import static jlguest.cpu.OpcodeTable.AF;
import static jlguest.cpu.OpcodeTable.CF;
import static jlguest.cpu.OpcodeTable.OF;
import static jlguest.cpu.OpcodeTable.PF;
import static jlguest.cpu.OpcodeTable.SF;
import static jlguest.cpu.OpcodeTable.ZF;

import jlguest.bus.PhysicalBus;

/**
 * Arithmetic with exact flags: the eight ALU operations, INC/DEC/NEG, shifts and rotates,
 * double shifts, multiplication, division and BCD adjustments. Sizes: 0 byte, 1 word, 2 dword.
 *
 * <p>tour:cpu:500 Each operation computes its result and leaves a lazy-flags record; shifts,
 * multiplies and BCD adjustments know their CF/OF/AF at once and record them "eagerly". Results
 * are returned unmasked: whoever stores them writes only the operand's width.
 */
abstract class Alu extends Interrupts {
    Alu(PhysicalBus bus, CpuHost host, Memory previous) {
        super(bus, host, previous);
    }

    /** ADD OR ADC SBB AND SUB XOR CMP (op 0..7); CMP returns the difference, unused. */
    final int alu(int op, int a, int b, int sz) {
        int res;
        switch (op) {
            case 0:
                res = a + b;
                lfOp = K_ADD | sz;
                break;
            case 1:
                res = a | b;
                lfOp = K_LOGIC | sz;
                break;
            case 2:
                res = a + b + (cf() ? 1 : 0);
                lfOp = K_ADC | sz;
                break;
            case 3:
                res = a - b - (cf() ? 1 : 0);
                lfOp = K_SBB | sz;
                break;
            case 4:
                res = a & b;
                lfOp = K_LOGIC | sz;
                break;
            case 6:
                res = a ^ b;
                lfOp = K_LOGIC | sz;
                break;
            default:
                res = a - b;
                lfOp = K_SUB | sz;
                break;
        }
        lfA = a;
        lfB = b;
        lfRes = res;
        return res;
    }

    final int add32(int a, int b) {
        int res = a + b;
        lfOp = K_ADD | 2;
        lfA = a;
        lfB = b;
        lfRes = res;
        return res;
    }

    final int sub32(int a, int b) {
        int res = a - b;
        lfOp = K_SUB | 2;
        lfA = a;
        lfB = b;
        lfRes = res;
        return res;
    }

    final int logic(int res, int sz) {
        lfOp = K_LOGIC | sz;
        lfRes = res;
        return res;
    }

    final int inc(int a, int sz) {
        int c = cf() ? 1 : 0;
        lfOp = K_INC | sz;
        lfA = a;
        lfB = c;
        lfRes = a + 1;
        return a + 1;
    }

    final int dec(int a, int sz) {
        int c = cf() ? 1 : 0;
        lfOp = K_DEC | sz;
        lfA = a;
        lfB = c;
        lfRes = a - 1;
        return a - 1;
    }

    final int neg(int a, int sz) {
        lfOp = K_SUB | sz;
        lfA = 0;
        lfB = a;
        lfRes = -a;
        return -a;
    }

    static int width(int sz) {
        return 8 << sz;
    }

    /** SF, ZF and PF of an 8/16/32-bit result, as flag bits. */
    static int szp(int res, int sz) {
        int m = MASK[sz];
        return ((res & m) == 0 ? ZF : 0) | ((res & SIGN[sz]) != 0 ? SF : 0)
                | ((Integer.bitCount(res & 0xFF) & 1) == 0 ? PF : 0);
    }

    /** Group 2: ROL ROR RCL RCR SHL SHR SAL SAR (op 0..7) by {@code count} (masked to 5 bits here). */
    final int shift(int op, int a, int count, int sz) {
        count &= 31;
        if (count == 0) {
            return a;
        }
        int w = width(sz);
        int m = MASK[sz];
        long ua = a & (long) m & 0xFFFFFFFFL;
        int sign = SIGN[sz];
        int res;
        switch (op) {
            case 0: {   // ROL
                int c = count & (w - 1);
                res = (int) (((ua << c) | (ua >>> (w - c))) & m);
                boolean cf = (res & 1) != 0;
                boolean of = ((res & sign) != 0) != cf;
                setCfOf(cf, of);
                return res;
            }
            case 1: {   // ROR
                int c = count & (w - 1);
                res = (int) (((ua >>> c) | (ua << (w - c))) & m);
                boolean cf = (res & sign) != 0;
                boolean of = cf != ((res & (sign >>> 1)) != 0);
                setCfOf(cf, of);
                return res;
            }
            case 2: {   // RCL: rotate through carry, w+1 bits
                int c = sz == 2 ? count : count % (w + 1);
                long v = ua | ((cf() ? 1L : 0L) << w);
                long rot = c == 0 ? v : ((v << c) | (v >>> (w + 1 - c))) & ((1L << (w + 1)) - 1);
                res = (int) (rot & m);
                boolean cf = ((rot >>> w) & 1) != 0;
                setCfOf(cf, ((res & sign) != 0) != cf);
                return res;
            }
            case 3: {   // RCR
                int c = sz == 2 ? count : count % (w + 1);
                boolean oldCf = cf();
                boolean of = ((ua & sign) != 0) != oldCf;
                long v = ua | ((oldCf ? 1L : 0L) << w);
                long rot = c == 0 ? v : ((v >>> c) | (v << (w + 1 - c))) & ((1L << (w + 1)) - 1);
                res = (int) (rot & m);
                setCfOf(((rot >>> w) & 1) != 0, of);
                return res;
            }
            case 4:
            case 6: {   // SHL/SAL
                long v = ua << count;
                res = (int) (v & m);
                boolean cf = ((v >>> w) & 1) != 0;
                boolean of = ((res & sign) != 0) != cf;
                eager(sz, res, (cf ? CF : 0) | (of ? OF : 0));
                return res;
            }
            case 5: {   // SHR
                res = (int) (ua >>> count);
                boolean cf = ((ua >>> (count - 1)) & 1) != 0;
                boolean of = (ua & sign) != 0;
                eager(sz, res, (cf ? CF : 0) | (count == 1 && of ? OF : 0));
                return res;
            }
            default: {  // SAR
                int sa = sz == 0 ? (byte) a : sz == 1 ? (short) a : a;
                res = sa >> Math.min(count, 31);
                boolean cf = ((sa >> Math.min(count - 1, 31)) & 1) != 0;
                eager(sz, res, cf ? CF : 0);
                return res;
            }
        }
    }

    private void setCfOf(boolean cf, boolean of) {
        getFlags();
        flags = (flags & ~(CF | OF)) | (cf ? CF : 0) | (of ? OF : 0);
    }

    /**
     * SHLD (left=true) / SHRD of dst by count with bits from src; sz 1 or 2. A 16-bit count above
     * 16 is undefined in the SDM: we shift through dst:src:dst (not difftested, see Comparison).
     */
    final int shiftDouble(boolean left, int dst, int src, int count, int sz) {
        count &= 31;
        if (count == 0) {
            return dst;
        }
        int res;
        boolean cf;
        if (sz == 2) {
            if (left) {
                res = (dst << count) | (src >>> (32 - count));
                cf = ((dst >>> (32 - count)) & 1) != 0;
            } else {
                res = (dst >>> count) | (src << (32 - count));
                cf = ((dst >>> (count - 1)) & 1) != 0;
            }
        } else {
            long d = dst & 0xFFFFL, s = src & 0xFFFFL;
            if (left) {
                long v = (d << 32) | (s << 16) | d;
                res = (int) ((v << count) >>> 32) & 0xFFFF;
                cf = ((v >>> (48 - count)) & 1) != 0;
            } else {
                long v = (d << 32) | (s << 16) | d;
                res = (int) (v >>> count) & 0xFFFF;
                cf = ((v >>> (count - 1)) & 1) != 0;
            }
        }
        int sign = SIGN[sz];
        boolean of = ((res ^ dst) & sign) != 0;
        eager(sz, res, (cf ? CF : 0) | (of ? OF : 0));
        return res;
    }

    // ---- multiply and divide ------------------------------------------------------------------

    /** MUL (signed=false) / IMUL one-operand forms: AX, DX:AX or EDX:EAX = accumulator * src. */
    final void mul(int src, int sz, boolean signed) {
        boolean over;
        int low;
        if (sz == 0) {
            int p = signed ? (byte) r[EAX] * (byte) src : (r[EAX] & 0xFF) * (src & 0xFF);
            setReg16(EAX, p);
            low = p & 0xFF;
            over = signed ? p != (byte) p : (p & 0xFF00) != 0;
        } else if (sz == 1) {
            int p = signed ? (short) r[EAX] * (short) src : (r[EAX] & 0xFFFF) * (src & 0xFFFF);
            setReg16(EAX, p);
            setReg16(EDX, p >>> 16);
            low = p & 0xFFFF;
            over = signed ? p != (short) p : (p & 0xFFFF0000) != 0;
        } else {
            long p = signed ? (long) r[EAX] * src : (r[EAX] & 0xFFFFFFFFL) * (src & 0xFFFFFFFFL);
            r[EAX] = (int) p;
            r[EDX] = (int) (p >>> 32);
            low = (int) p;
            over = signed ? p != (int) p : (p >>> 32) != 0;
        }
        eager(sz, low, over ? CF | OF : 0);
    }

    /** IMUL two- and three-operand forms: the truncated product, CF=OF when it overflowed. */
    final int imul(int a, int b, int sz) {
        long p = sz == 2 ? (long) a * b : (long) (short) a * (short) b;
        int res = (int) p;
        boolean over = sz == 2 ? p != res : p != (short) p;
        eager(sz, res, over ? CF | OF : 0);
        return res;
    }

    /** DIV/IDIV: #DE on division by zero or a quotient that does not fit. Flags unchanged. */
    final void div(int src, int sz, boolean signed) {
        if (sz == 0) {
            int d = signed ? (byte) src : src & 0xFF;
            if (d == 0) {
                throw fault(DE, -1);
            }
            int n = signed ? (short) r[EAX] : r[EAX] & 0xFFFF;
            int q = n / d, rem = n % d;
            if (signed ? q != (byte) q : q > 0xFF) {
                throw fault(DE, -1);
            }
            setReg16(EAX, (q & 0xFF) | ((rem & 0xFF) << 8));
        } else if (sz == 1) {
            int d = signed ? (short) src : src & 0xFFFF;
            if (d == 0) {
                throw fault(DE, -1);
            }
            int n = ((r[EDX] & 0xFFFF) << 16) | (r[EAX] & 0xFFFF);
            long q, rem;
            if (signed) {
                q = (long) n / d;
                rem = (long) n % d;
                if (q != (short) q) {
                    throw fault(DE, -1);
                }
            } else {
                long un = n & 0xFFFFFFFFL;
                q = un / d;
                rem = un % d;
                if (q > 0xFFFF) {
                    throw fault(DE, -1);
                }
            }
            setReg16(EAX, (int) q);
            setReg16(EDX, (int) rem);
        } else {
            long qr = div32(r[EDX], r[EAX], src, signed);
            r[EAX] = (int) qr;
            r[EDX] = (int) (qr >>> 32);
        }
    }

    /**
     * 32-bit DIV / IDIV of EDX:EAX by {@code src}: the quotient in the low half of the result, the
     * remainder in the high half; #DE when {@code src} is 0 or the quotient does not fit. The flags
     * are left alone. Compiled code calls it too, with its registers (jit.BlockCompiler).
     */
    final long div32(int edx, int eax, int src, boolean signed) {
        if (src == 0) {
            throw fault(DE, -1);
        }
        long n = ((long) edx << 32) | (eax & 0xFFFFFFFFL);
        long q, rem;
        if (signed) {
            if (n == Long.MIN_VALUE && src == -1) {
                throw fault(DE, -1);
            }
            q = n / src;
            rem = n % src;
            if (q != (int) q) {
                throw fault(DE, -1);
            }
        } else {
            if (Integer.compareUnsigned(edx, src) >= 0) {
                throw fault(DE, -1);
            }
            long d = src & 0xFFFFFFFFL;
            q = Long.divideUnsigned(n, d);
            rem = Long.remainderUnsigned(n, d);
        }
        return (q & 0xFFFFFFFFL) | rem << 32;
    }

    // ---- BCD ------------------------------------------------------------------------------------

    final void daa() {
        int al = r[EAX] & 0xFF;
        boolean oldCf = cf(), af = af();
        int v = al;
        boolean cf = false;
        if ((al & 0xF) > 9 || af) {
            v += 6;
            af = true;
        } else {
            af = false;
        }
        if (al > 0x99 || oldCf) {
            v += 0x60;
            cf = true;
        }
        setReg8(0, v);
        setOszapc(szp(v, 0) | (cf ? CF : 0) | (af ? AF : 0));
    }

    final void das() {
        int al = r[EAX] & 0xFF;
        boolean oldCf = cf(), af = af();
        int v = al;
        boolean cf = false;
        if ((al & 0xF) > 9 || af) {
            v -= 6;
            cf = oldCf || al < 6;
            af = true;
        } else {
            af = false;
        }
        if (al > 0x99 || oldCf) {
            v -= 0x60;
            cf = true;
        }
        setReg8(0, v);
        setOszapc(szp(v, 0) | (cf ? CF : 0) | (af ? AF : 0));
    }

    final void aaa(boolean sub) {
        int ax = r[EAX] & 0xFFFF;
        boolean adj = (ax & 0xF) > 9 || af();
        if (adj) {
            if (sub) {
                ax = (ax - 6) & 0xFFFF;                        // AX - 6 may borrow from AH,
                ax = (ax & 0xFF) | ((((ax >>> 8) - 1) & 0xFF) << 8);   // then AH - 1
            } else {
                ax = (ax + 0x106) & 0xFFFF;
            }
        }
        ax &= 0xFF0F;
        setReg16(EAX, ax);
        setOszapc(szp(ax, 0) | (adj ? CF | AF : 0));
    }

    final void aam(int base) {
        if (base == 0) {
            throw fault(DE, -1);
        }
        int al = r[EAX] & 0xFF;
        int v = ((al / base) << 8) | (al % base);
        setReg16(EAX, v);
        setOszapc(szp(v, 0));
    }

    final void aad(int base) {
        int al = ((r[EAX] & 0xFF) + ((r[EAX] >>> 8) & 0xFF) * base) & 0xFF;
        setReg16(EAX, al);
        setOszapc(szp(al, 0));
    }
}
