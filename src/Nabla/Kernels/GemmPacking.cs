using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nabla.Kernels;

/// <summary>
/// Packing: copies a block of op(A) or op(B) into the exact order the micro-kernel reads it, so the
/// kernel streams through contiguous, aligned memory whatever the operand's layout or transposition.
/// </summary>
/// <remarks>
/// A block of op(A) (mc×kc) becomes ⌈mc/MR⌉ slivers; sliver r holds, for p = 0..kc−1, the MR values
/// op(A)[r·MR + i, p]. A panel of op(B) (kc×nc) becomes ⌈nc/NR⌉ slivers; sliver s holds, for each p, the
/// NR values op(B)[p, s·NR + j]. Rows or columns past the edge are zero, so the kernel always computes
/// a full tile and edge tiles only differ in how much of it is written back.
/// This is where transposition is absorbed: op(X)[i, p] is read from X[i, p] or X[p, i] in place, and the
/// packed copy is the same either way (Goto &amp; van de Geijn, "Anatomy of High-Performance Matrix
/// Multiplication", ACM TOMS 2008). The copy costs O(mc·kc) against the O(mc·kc·nc) work it feeds.
/// </remarks>
internal static unsafe class GemmPacking
{
    /// <summary>Floats a packing buffer needs past its last sliver for the overlapping vector stores.</summary>
    public const int Slack = 8;

    private static bool VectorA<TKernel>() where TKernel : IGemmMicroKernel => Avx.IsSupported && TKernel.MR <= 8;

    private static bool VectorB<TKernel>() where TKernel : IGemmMicroKernel => Avx.IsSupported && TKernel.NR % 8 == 0;

    /// <summary>Packs op(A)[i0 .. i0+mc, p0 .. p0+kc] into MR-row slivers at <paramref name="dst"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void PackA<TKernel>(bool transA, float* a, int lda, int i0, int mc, int p0, int kc, float* dst)
        where TKernel : IGemmMicroKernel
    {
        int mr = TKernel.MR;
        for (int ir = 0; ir < mc; ir += mr)
        {
            int rows = Math.Min(mr, mc - ir);
            if (transA)
            {
                // op(A)[i, p] = A[p, i]: each step p reads `rows` neighbours of one row of A.
                float* src = a + (long)p0 * lda + i0 + ir;
                if (VectorA<TKernel>() && ir + 8 <= mc)
                {
                    // 8 floats stay inside row p's first i0 + mc ≤ m columns; only MR of them are kept.
                    for (int p = 0; p < kc; p++, src += lda) Vector256.Store(Vector256.Load(src), dst + p * mr);
                    dst += mr * kc;
                    continue;
                }
                for (int p = 0; p < kc; p++, src += lda)
                {
                    float* d = dst + p * mr;
                    int i = 0;
                    for (; i < rows; i++) d[i] = src[i];
                    for (; i < mr; i++) d[i] = 0f;
                }
            }
            else
            {
                // op(A)[i, p] = A[i, p]: read each row of the sliver contiguously, scatter with stride MR.
                float* src = a + (long)(i0 + ir) * lda + p0;
                if (VectorA<TKernel>() && rows == mr)
                {
                    PackRowsTransposed(src, lda, mr, kc, dst);
                    dst += mr * kc;
                    continue;
                }
                for (int i = 0; i < rows; i++, src += lda)
                {
                    float* d = dst + i;
                    for (int p = 0; p < kc; p++) d[p * mr] = src[p];
                }
                for (int i = rows; i < mr; i++)
                {
                    for (int p = 0; p < kc; p++) dst[p * mr + i] = 0f;
                }
            }
            dst += mr * kc;
        }
    }

    /// <summary>Packs the NR-column slivers <paramref name="s0"/> .. <paramref name="s1"/> of the panel
    /// op(B)[p0 .. p0+kc, j0 .. j0+nc] at <paramref name="dst"/> (which points at sliver 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void PackB<TKernel>(bool transB, float* b, int ldb, int p0, int kc, int j0, int nc, int s0, int s1, float* dst)
        where TKernel : IGemmMicroKernel
    {
        int nr = TKernel.NR;
        for (int s = s0; s < s1; s++)
        {
            int jr = s * nr;
            int cols = Math.Min(nr, nc - jr);
            float* d = dst + (long)s * nr * kc;
            if (transB)
            {
                // op(B)[p, j] = B[j, p]: read each row of B contiguously, scatter with stride NR.
                float* src = b + (long)(j0 + jr) * ldb + p0;
                if (VectorB<TKernel>() && cols == nr)
                {
                    for (int j = 0; j < nr; j += 8) PackRowsTransposed(src + (long)j * ldb, ldb, 8, kc, d + j, nr);
                    continue;
                }
                for (int j = 0; j < cols; j++, src += ldb)
                {
                    for (int p = 0; p < kc; p++) d[p * nr + j] = src[p];
                }
                for (int j = cols; j < nr; j++)
                {
                    for (int p = 0; p < kc; p++) d[p * nr + j] = 0f;
                }
            }
            else
            {
                // op(B)[p, j] = B[p, j]: each step p is one contiguous run of NR floats.
                float* src = b + (long)p0 * ldb + j0 + jr;
                if (cols == nr)
                {
                    for (int p = 0; p < kc; p++, src += ldb, d += nr)
                    {
                        if (VectorB<TKernel>())
                        {
                            for (int j = 0; j < nr; j += 8) Vector256.Store(Vector256.Load(src + j), d + j);
                        }
                        else
                        {
                            Buffer.MemoryCopy(src, d, nr * sizeof(float), nr * sizeof(float));
                        }
                    }
                }
                else
                {
                    for (int p = 0; p < kc; p++, src += ldb, d += nr)
                    {
                        int j = 0;
                        for (; j < cols; j++) d[j] = src[j];
                        for (; j < nr; j++) d[j] = 0f;
                    }
                }
            }
        }
    }

    /// <summary>Transposes <paramref name="rows"/> (≤ 8) rows of length kc (row stride ld) into kc groups,
    /// group p = (row 0 [p], …, row rows−1 [p]) written at dst + p·groupStride as 8 floats.
    /// Eight columns at a time through an 8×8 register transpose; missing rows read as zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void PackRowsTransposed(float* src, int ld, int rows, int kc, float* dst, int groupStride = 0)
    {
        if (groupStride == 0) groupStride = rows;
        int p = 0;
        for (; p + 8 <= kc; p += 8)
        {
            Vector256<float> r0 = Vector256.Load(src + p), r1 = Row(src, ld, 1, rows, p), r2 = Row(src, ld, 2, rows, p);
            Vector256<float> r3 = Row(src, ld, 3, rows, p), r4 = Row(src, ld, 4, rows, p), r5 = Row(src, ld, 5, rows, p);
            Vector256<float> r6 = Row(src, ld, 6, rows, p), r7 = Row(src, ld, 7, rows, p);
            Transpose8x8(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
            float* d = dst + (long)p * groupStride;
            // In increasing order: each store's spare lanes are overwritten by the next one.
            r0.Store(d); r1.Store(d + groupStride); r2.Store(d + 2 * groupStride); r3.Store(d + 3 * groupStride);
            r4.Store(d + 4 * groupStride); r5.Store(d + 5 * groupStride); r6.Store(d + 6 * groupStride); r7.Store(d + 7 * groupStride);
        }
        for (; p < kc; p++)
        {
            float* d = dst + (long)p * groupStride;
            for (int i = 0; i < rows; i++) d[i] = src[(long)i * ld + p];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Row(float* src, int ld, int row, int rows, int p) =>
        row < rows ? Vector256.Load(src + (long)row * ld + p) : Vector256<float>.Zero;

    /// <summary>In-register 8×8 transpose: unpack pairs, shuffle quads, swap 128-bit halves.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(ref Vector256<float> r0, ref Vector256<float> r1, ref Vector256<float> r2, ref Vector256<float> r3,
        ref Vector256<float> r4, ref Vector256<float> r5, ref Vector256<float> r6, ref Vector256<float> r7)
    {
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
        Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5);
        Vector256<float> t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        Vector256<float> s0 = Avx.Shuffle(t0, t2, 0x44), s1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> s2 = Avx.Shuffle(t1, t3, 0x44), s3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> s4 = Avx.Shuffle(t4, t6, 0x44), s5 = Avx.Shuffle(t4, t6, 0xEE);
        Vector256<float> s6 = Avx.Shuffle(t5, t7, 0x44), s7 = Avx.Shuffle(t5, t7, 0xEE);
        r0 = Avx.Permute2x128(s0, s4, 0x20); r1 = Avx.Permute2x128(s1, s5, 0x20);
        r2 = Avx.Permute2x128(s2, s6, 0x20); r3 = Avx.Permute2x128(s3, s7, 0x20);
        r4 = Avx.Permute2x128(s0, s4, 0x31); r5 = Avx.Permute2x128(s1, s5, 0x31);
        r6 = Avx.Permute2x128(s2, s6, 0x31); r7 = Avx.Permute2x128(s3, s7, 0x31);
    }
}
