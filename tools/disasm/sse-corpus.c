/*
 * An SSE-heavy corpus for the disassembler's agreement test with objdump: vectorized loops
 * (gcc -m32 -msse2 -mfpmath=sse -O2 -ftree-vectorize) and one call of most MMX, SSE and SSE2
 * intrinsics, so that every form the CPU executes appears at least once. Built by
 * tools/disasm/sse-corpus.sh into src/test/resources/disasm/sse-corpus.o with its listing.
 */
#include <emmintrin.h>
#include <mmintrin.h>
#include <xmmintrin.h>

void saxpy(float *y, const float *x, float a, int n) {
    for (int i = 0; i < n; i++) y[i] = a * x[i] + y[i];
}

void daxpy(double *y, const double *x, double a, int n) {
    for (int i = 0; i < n; i++) y[i] = a * x[i] + y[i];
}

int isum(const int *x, int n) {
    int s = 0;
    for (int i = 0; i < n; i++) s += x[i];
    return s;
}

void bytes_max(unsigned char *d, const unsigned char *a, const unsigned char *b, int n) {
    for (int i = 0; i < n; i++) d[i] = a[i] > b[i] ? a[i] : b[i];
}

void convert(float *f, const int *x, double *d, int n) {
    for (int i = 0; i < n; i++) {
        f[i] = (float) x[i];
        d[i] = (double) f[i] / 3.0;
    }
}

int truncs(float f, double d) { return (int) f + (int) d; }

volatile __m128 vps;
volatile __m128d vpd;
volatile __m128i vi;
volatile __m64 vm;
volatile int vint;
float fmem[16] __attribute__((aligned(16)));
double dmem[8] __attribute__((aligned(16)));
int imem[16] __attribute__((aligned(16)));

void singles(void) {
    __m128 a = vps, b = _mm_load_ps(fmem);
    a = _mm_add_ps(a, b); a = _mm_sub_ps(a, b); a = _mm_mul_ps(a, b); a = _mm_div_ps(a, b);
    a = _mm_add_ss(a, b); a = _mm_sub_ss(a, b); a = _mm_mul_ss(a, b); a = _mm_div_ss(a, b);
    a = _mm_sqrt_ps(a); a = _mm_sqrt_ss(a); a = _mm_rcp_ps(a); a = _mm_rsqrt_ps(a);
    a = _mm_rcp_ss(a); a = _mm_rsqrt_ss(a);
    a = _mm_min_ps(a, b); a = _mm_max_ps(a, b); a = _mm_min_ss(a, b); a = _mm_max_ss(a, b);
    a = _mm_and_ps(a, b); a = _mm_andnot_ps(a, b); a = _mm_or_ps(a, b); a = _mm_xor_ps(a, b);
    a = _mm_cmpeq_ps(a, b); a = _mm_cmplt_ps(a, b); a = _mm_cmple_ps(a, b); a = _mm_cmpunord_ps(a, b);
    a = _mm_cmpneq_ps(a, b); a = _mm_cmpnlt_ps(a, b); a = _mm_cmpnle_ps(a, b); a = _mm_cmpord_ps(a, b);
    a = _mm_cmpeq_ss(a, b); a = _mm_cmplt_ss(a, b);
    a = _mm_unpacklo_ps(a, b); a = _mm_unpackhi_ps(a, b); a = _mm_shuffle_ps(a, b, 0x1B);
    a = _mm_movehl_ps(a, b); a = _mm_movelh_ps(a, b);
    a = _mm_loadl_pi(a, (__m64 *) fmem); a = _mm_loadh_pi(a, (__m64 *) (fmem + 4));
    _mm_storel_pi((__m64 *) fmem, a); _mm_storeh_pi((__m64 *) (fmem + 8), a);
    vint = _mm_movemask_ps(a) + _mm_comieq_ss(a, b) + _mm_ucomilt_ss(a, b);
    vint += _mm_cvtss_si32(a) + _mm_cvttss_si32(a);
    a = _mm_cvtsi32_ss(a, vint);
    _mm_storeu_ps(fmem + 1, a); a = _mm_loadu_ps(fmem + 1); _mm_stream_ps(fmem, a);
    _mm_store_ss(fmem + 3, a); a = _mm_load_ss(fmem + 5); a = _mm_move_ss(a, b);
    _mm_setcsr(_mm_getcsr() | 0x8000);
    _mm_prefetch((const char *) fmem, _MM_HINT_T0); _mm_prefetch((const char *) fmem, _MM_HINT_NTA);
    _mm_prefetch((const char *) fmem, _MM_HINT_T1); _mm_prefetch((const char *) fmem, _MM_HINT_T2);
    _mm_sfence();
    vps = a;
}

void doubles(void) {
    __m128d a = vpd, b = _mm_load_pd(dmem);
    a = _mm_add_pd(a, b); a = _mm_sub_pd(a, b); a = _mm_mul_pd(a, b); a = _mm_div_pd(a, b);
    a = _mm_add_sd(a, b); a = _mm_sub_sd(a, b); a = _mm_mul_sd(a, b); a = _mm_div_sd(a, b);
    a = _mm_sqrt_pd(a); a = _mm_sqrt_sd(a, b);
    a = _mm_min_pd(a, b); a = _mm_max_pd(a, b); a = _mm_min_sd(a, b); a = _mm_max_sd(a, b);
    a = _mm_and_pd(a, b); a = _mm_andnot_pd(a, b); a = _mm_or_pd(a, b); a = _mm_xor_pd(a, b);
    a = _mm_cmpeq_pd(a, b); a = _mm_cmpnle_pd(a, b); a = _mm_cmplt_sd(a, b); a = _mm_cmpunord_sd(a, b);
    a = _mm_unpacklo_pd(a, b); a = _mm_unpackhi_pd(a, b); a = _mm_shuffle_pd(a, b, 1);
    a = _mm_loadl_pd(a, dmem); a = _mm_loadh_pd(a, dmem + 3);
    _mm_storel_pd(dmem, a); _mm_storeh_pd(dmem + 5, a);
    vint = _mm_movemask_pd(a) + _mm_comile_sd(a, b) + _mm_ucomineq_sd(a, b);
    vint += _mm_cvtsd_si32(a) + _mm_cvttsd_si32(a);
    a = _mm_cvtsi32_sd(a, vint);
    __m128 s = _mm_cvtpd_ps(a);
    a = _mm_cvtps_pd(s);
    s = _mm_cvtsd_ss(s, a);
    a = _mm_cvtss_sd(a, s);
    __m128i i = _mm_cvtpd_epi32(a);
    i = _mm_add_epi32(i, _mm_cvttpd_epi32(a));
    a = _mm_cvtepi32_pd(i);
    s = _mm_cvtepi32_ps(i);
    i = _mm_add_epi32(_mm_cvtps_epi32(s), _mm_cvttps_epi32(s));
    vi = i;
    vm = _mm_add_pi32(_mm_cvtpd_pi32(a), _mm_cvttpd_pi32(a));
    a = _mm_add_pd(a, _mm_cvtpi32_pd(vm));
    vm = _mm_add_pi32(_mm_cvtps_pi32(s), _mm_cvttps_pi32(s));
    s = _mm_cvtpi32_ps(s, vm);
    vps = s;
    _mm_storeu_pd(dmem + 1, a); a = _mm_loadu_pd(dmem + 1); _mm_stream_pd(dmem, a);
    a = _mm_load_sd(dmem + 2); _mm_store_sd(dmem + 7, a); a = _mm_move_sd(a, b);
    _mm_lfence(); _mm_mfence(); _mm_clflush(dmem);
    _mm_empty();
    vpd = a;
}

void integers(void) {
    __m128i a = vi, b = _mm_load_si128((__m128i *) imem);
    a = _mm_add_epi8(a, b); a = _mm_add_epi16(a, b); a = _mm_add_epi32(a, b); a = _mm_add_epi64(a, b);
    a = _mm_sub_epi8(a, b); a = _mm_sub_epi16(a, b); a = _mm_sub_epi32(a, b); a = _mm_sub_epi64(a, b);
    a = _mm_adds_epi8(a, b); a = _mm_adds_epi16(a, b); a = _mm_adds_epu8(a, b); a = _mm_adds_epu16(a, b);
    a = _mm_subs_epi8(a, b); a = _mm_subs_epi16(a, b); a = _mm_subs_epu8(a, b); a = _mm_subs_epu16(a, b);
    a = _mm_mullo_epi16(a, b); a = _mm_mulhi_epi16(a, b); a = _mm_mulhi_epu16(a, b);
    a = _mm_madd_epi16(a, b); a = _mm_mul_epu32(a, b); a = _mm_sad_epu8(a, b);
    a = _mm_avg_epu8(a, b); a = _mm_avg_epu16(a, b);
    a = _mm_min_epu8(a, b); a = _mm_max_epu8(a, b); a = _mm_min_epi16(a, b); a = _mm_max_epi16(a, b);
    a = _mm_and_si128(a, b); a = _mm_andnot_si128(a, b); a = _mm_or_si128(a, b); a = _mm_xor_si128(a, b);
    a = _mm_cmpeq_epi8(a, b); a = _mm_cmpeq_epi16(a, b); a = _mm_cmpeq_epi32(a, b);
    a = _mm_cmpgt_epi8(a, b); a = _mm_cmpgt_epi16(a, b); a = _mm_cmpgt_epi32(a, b);
    a = _mm_packs_epi16(a, b); a = _mm_packs_epi32(a, b); a = _mm_packus_epi16(a, b);
    a = _mm_unpacklo_epi8(a, b); a = _mm_unpacklo_epi16(a, b); a = _mm_unpacklo_epi32(a, b);
    a = _mm_unpacklo_epi64(a, b); a = _mm_unpackhi_epi8(a, b); a = _mm_unpackhi_epi16(a, b);
    a = _mm_unpackhi_epi32(a, b); a = _mm_unpackhi_epi64(a, b);
    a = _mm_sll_epi16(a, b); a = _mm_sll_epi32(a, b); a = _mm_sll_epi64(a, b);
    a = _mm_srl_epi16(a, b); a = _mm_srl_epi32(a, b); a = _mm_srl_epi64(a, b);
    a = _mm_sra_epi16(a, b); a = _mm_sra_epi32(a, b);
    a = _mm_slli_epi16(a, 3); a = _mm_slli_epi32(a, 5); a = _mm_slli_epi64(a, 7);
    a = _mm_srli_epi16(a, 3); a = _mm_srli_epi32(a, 5); a = _mm_srli_epi64(a, 7);
    a = _mm_srai_epi16(a, 3); a = _mm_srai_epi32(a, 5); a = _mm_slli_si128(a, 3); a = _mm_srli_si128(a, 5);
    a = _mm_shuffle_epi32(a, 0x1B); a = _mm_shufflelo_epi16(a, 0x1B); a = _mm_shufflehi_epi16(a, 0x1B);
    a = _mm_insert_epi16(a, vint, 3);
    vint = _mm_extract_epi16(a, 5) + _mm_movemask_epi8(a) + _mm_cvtsi128_si32(a);
    a = _mm_add_epi32(a, _mm_cvtsi32_si128(vint));
    a = _mm_add_epi64(a, _mm_loadl_epi64((__m128i *) imem));
    _mm_storel_epi64((__m128i *) imem, a);
    a = _mm_move_epi64(a);
    _mm_storeu_si128((__m128i *) (imem + 1), a); a = _mm_loadu_si128((__m128i *) (imem + 1));
    _mm_stream_si128((__m128i *) imem, a); _mm_stream_si32(imem + 2, vint);
    _mm_maskmoveu_si128(a, b, (char *) imem);
    vm = _mm_movepi64_pi64(a);
    a = _mm_movpi64_epi64(vm);
    vi = a;
}

void mmx(void) {
    __m64 a = vm, b = *(__m64 *) imem;
    a = _mm_add_pi8(a, b); a = _mm_add_pi16(a, b); a = _mm_add_pi32(a, b); a = _mm_add_si64(a, b);
    a = _mm_sub_pi8(a, b); a = _mm_sub_pi16(a, b); a = _mm_sub_pi32(a, b); a = _mm_sub_si64(a, b);
    a = _mm_adds_pi8(a, b); a = _mm_adds_pi16(a, b); a = _mm_adds_pu8(a, b); a = _mm_adds_pu16(a, b);
    a = _mm_subs_pi8(a, b); a = _mm_subs_pi16(a, b); a = _mm_subs_pu8(a, b); a = _mm_subs_pu16(a, b);
    a = _mm_mullo_pi16(a, b); a = _mm_mulhi_pi16(a, b); a = _mm_mulhi_pu16(a, b); a = _mm_madd_pi16(a, b);
    a = _mm_mul_su32(a, b); a = _mm_sad_pu8(a, b); a = _mm_avg_pu8(a, b); a = _mm_avg_pu16(a, b);
    a = _mm_min_pu8(a, b); a = _mm_max_pu8(a, b); a = _mm_min_pi16(a, b); a = _mm_max_pi16(a, b);
    a = _mm_and_si64(a, b); a = _mm_andnot_si64(a, b); a = _mm_or_si64(a, b); a = _mm_xor_si64(a, b);
    a = _mm_cmpeq_pi8(a, b); a = _mm_cmpeq_pi16(a, b); a = _mm_cmpeq_pi32(a, b);
    a = _mm_cmpgt_pi8(a, b); a = _mm_cmpgt_pi16(a, b); a = _mm_cmpgt_pi32(a, b);
    a = _mm_packs_pi16(a, b); a = _mm_packs_pi32(a, b); a = _mm_packs_pu16(a, b);
    a = _mm_unpacklo_pi8(a, b); a = _mm_unpacklo_pi16(a, b); a = _mm_unpacklo_pi32(a, b);
    a = _mm_unpackhi_pi8(a, b); a = _mm_unpackhi_pi16(a, b); a = _mm_unpackhi_pi32(a, b);
    a = _mm_sll_pi16(a, b); a = _mm_sll_pi32(a, b); a = _mm_sll_si64(a, b);
    a = _mm_srl_pi16(a, b); a = _mm_srl_pi32(a, b); a = _mm_srl_si64(a, b);
    a = _mm_sra_pi16(a, b); a = _mm_sra_pi32(a, b);
    a = _mm_slli_pi16(a, 3); a = _mm_slli_pi32(a, 5); a = _mm_slli_si64(a, 7);
    a = _mm_srli_pi16(a, 3); a = _mm_srli_pi32(a, 5); a = _mm_srli_si64(a, 7);
    a = _mm_srai_pi16(a, 3); a = _mm_srai_pi32(a, 5);
    a = _mm_shuffle_pi16(a, 0x1B); a = _mm_insert_pi16(a, vint, 2);
    vint = _mm_extract_pi16(a, 1) + _mm_movemask_pi8(a) + _mm_cvtsi64_si32(a);
    a = _mm_add_pi32(a, _mm_cvtsi32_si64(vint));
    _mm_maskmove_si64(a, b, (char *) imem);
    _mm_stream_pi((__m64 *) imem, a);
    vm = a;
    _mm_empty();
}
