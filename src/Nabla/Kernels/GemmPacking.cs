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
    /// <summary>Packs op(A)[i0 .. i0+mc, p0 .. p0+kc] into MR-row slivers at <paramref name="dst"/>.</summary>
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
                        Buffer.MemoryCopy(src, d, nr * sizeof(float), nr * sizeof(float));
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
}
