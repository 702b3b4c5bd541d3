namespace Nabla.Kernels;

/// <summary>
/// The blocked GEMM algorithm around a micro-kernel: five loops that move blocks of the operands
/// through the cache hierarchy so the micro-kernel always finds its data close by.
/// </summary>
/// <remarks>
/// Goto &amp; van de Geijn, "Anatomy of High-Performance Matrix Multiplication" (ACM TOMS 2008), in the
/// BLIS formulation (Van Zee &amp; van de Geijn 2015):
/// <code>
/// for jc in 0..n step NC           a panel of NC columns of op(B) and C
///   for pc in 0..k step KC         a KC-deep slice of the inner dimension
///     pack op(B)[pc.., jc..] → B̃   KC×NC, lives in L3, shared by all threads
///     for ic in 0..m step MC       (split across threads)
///       pack op(A)[ic.., pc..] → Ã MC×KC, lives in L2, one per thread
///       for jr in 0..NC step NR    a KC×NR sliver of B̃ stays in L1 ...
///         for ir in 0..MC step MR  ... while MR×KC slivers of Ã stream past it
///           micro-kernel: C[ir.., jr..] (MR×NR, in registers) += Ã sliver · B̃ sliver
/// </code>
/// The first KC slice applies beta to C; later slices add (beta = 1), so the product is exact
/// accumulation in k-order regardless of blocking across threads: each element of C is computed by one
/// thread in the same order whatever the thread count, so results are bit-identical across thread counts.
/// Threads split the rows of C (in MR units) when there are enough of them, and otherwise the columns of
/// the B̃ panel (in NR units) — whichever leaves the threads more evenly loaded.
/// </remarks>
internal static unsafe class GemmDriver<TKernel> where TKernel : IGemmMicroKernel
{
    /// <summary>Depth of a packed slice: an MR×KC sliver of Ã plus a KC×NR sliver of B̃ fit in L1 (32 KiB).</summary>
    private const int KC = 256;

    /// <summary>Rows of a packed Ã block: MC×KC floats ≈ 120 KiB, well inside a 1 MiB L2.</summary>
    private static int MC => 120 / TKernel.MR * TKernel.MR;

    /// <summary>Columns of a packed B̃ panel: KC×NC floats = 4 MiB, shared in L3.</summary>
    private static int NC => 4096 / TKernel.NR * TKernel.NR;

    /// <summary>Fewest multiply-adds worth handing to another thread (a hand-over costs microseconds).</summary>
    private const long MinFmaPerTask = 1L << 18;

    /// <summary>Fewest floats worth packing on another thread.</summary>
    private const long MinPackPerTask = 1L << 15;

    /// <summary>C = alpha·op(A)·op(B) + beta·C for m, n, k ≥ 1, on up to <paramref name="maxThreads"/> threads.</summary>
    public static void Run(bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc, int maxThreads)
    {
        int mr = TKernel.MR, nr = TKernel.NR;
        int ncMax = Math.Min(NC, RoundUp(n, nr));
        int kcMax = Math.Min(KC, k);
        float* packedB = GemmBuffers.PackedB((long)ncMax * kcMax + GemmPacking.Slack);
        for (int jc = 0; jc < n; jc += NC)
        {
            int nc = Math.Min(NC, n - jc);
            int slivers = (nc + nr - 1) / nr;
            for (int pc = 0; pc < k; pc += KC)
            {
                int kc = Math.Min(KC, k - pc);
                var pack = new PackBRange
                {
                    TransB = transB, B = b, Ldb = ldb, P0 = pc, Kc = kc, J0 = jc, Nc = nc, Packed = packedB,
                };
                Fork(slivers, MinPackPerTask / ((long)nr * kc), maxThreads, pack);

                int rowSlivers = (m + mr - 1) / mr;
                long fmaPerRowSliver = (long)mr * nc * kc;
                long fmaPerColSliver = (long)nr * m * kc;
                int rowTasks = Tasks(rowSlivers, MinFmaPerTask / fmaPerRowSliver, maxThreads);
                int colTasks = Tasks(slivers, MinFmaPerTask / fmaPerColSliver, maxThreads);
                bool splitRows = Imbalance(rowSlivers, rowTasks) <= Imbalance(slivers, colTasks);
                var compute = new ComputeRange
                {
                    SplitRows = splitRows, TransA = transA, A = a, Lda = lda, M = m, P0 = pc, Kc = kc,
                    J0 = jc, Nc = nc, PackedB = packedB, C = c, Ldc = ldc, Alpha = alpha, Beta = pc == 0 ? beta : 1f,
                };
                if (splitRows) Fork(rowSlivers, MinFmaPerTask / fmaPerRowSliver, maxThreads, compute);
                else Fork(slivers, MinFmaPerTask / fmaPerColSliver, maxThreads, compute);
            }
        }
    }

    private static int RoundUp(int x, int unit) => (x + unit - 1) / unit * unit;

    private static int Tasks(int count, long minPerTask, int maxThreads) =>
        maxThreads == 1 ? 1 : Math.Min(ParallelFor.TaskCount(count, (int)Math.Clamp(minPerTask, 1, int.MaxValue)), maxThreads);

    /// <summary>Longest range over the average: 1 is a perfect split.</summary>
    private static double Imbalance(int count, int tasks) => (double)((count + tasks - 1) / tasks) * tasks / count;

    private static void Fork<TAction>(int count, long minPerTask, int maxThreads, TAction action) where TAction : struct, IRangeAction
    {
        if (maxThreads == 1 || ParallelFor.MaxThreads == 1) action.Invoke(0, count);
        else ParallelFor.Run(count, (int)Math.Clamp(minPerTask, 1, int.MaxValue), action);
    }

    /// <summary>Packs slivers [start, end) of the B̃ panel.</summary>
    private struct PackBRange : IRangeAction
    {
        public bool TransB;
        public float* B;
        public int Ldb, P0, Kc, J0, Nc;
        public float* Packed;

        public readonly void Invoke(int start, int end) =>
            GemmPacking.PackB<TKernel>(TransB, B, Ldb, P0, Kc, J0, Nc, start, end, Packed);
    }

    /// <summary>One thread's share of C for one KC slice: row slivers [start, end) against the whole
    /// B̃ panel, or (when splitting columns) every row against B̃ slivers [start, end).</summary>
    private struct ComputeRange : IRangeAction
    {
        public bool SplitRows, TransA;
        public float* A;
        public int Lda, M, P0, Kc, J0, Nc;
        public float* PackedB;
        public float* C;
        public int Ldc;
        public float Alpha, Beta;

        public readonly void Invoke(int start, int end)
        {
            int mr = TKernel.MR, nr = TKernel.NR;
            int i0 = 0, i1 = M, s0 = 0, s1 = (Nc + nr - 1) / nr;
            if (SplitRows)
            {
                i0 = start * mr;
                i1 = Math.Min(M, end * mr);
            }
            else
            {
                s0 = start;
                s1 = end;
            }
            int mcMax = Math.Min(MC, RoundUp(i1 - i0, mr));
            float* packedA = GemmBuffers.PackedA((long)mcMax * Kc + GemmPacking.Slack);
            float* edge = stackalloc float[mr * nr];
            for (int ic = i0; ic < i1; ic += MC)
            {
                int mc = Math.Min(MC, i1 - ic);
                GemmPacking.PackA<TKernel>(TransA, A, Lda, ic, mc, P0, Kc, packedA);
                MacroKernel(ic, mc, s0, s1, packedA, edge);
            }
        }

        /// <summary>C[ic .. ic+mc, slivers s0..s1] (+)= Ã · B̃, tile by tile; edge tiles go through a scratch tile.</summary>
        private readonly void MacroKernel(int ic, int mc, int s0, int s1, float* packedA, float* edge)
        {
            int mr = TKernel.MR, nr = TKernel.NR;
            for (int s = s0; s < s1; s++)
            {
                int jr = s * nr;
                int cols = Math.Min(nr, Nc - jr);
                float* bSliver = PackedB + (long)s * nr * Kc;
                for (int ir = 0; ir < mc; ir += mr)
                {
                    int rows = Math.Min(mr, mc - ir);
                    float* aSliver = packedA + (long)ir * Kc;
                    float* cTile = C + (long)(ic + ir) * Ldc + J0 + jr;
                    if (rows == mr && cols == nr)
                    {
                        TKernel.Tile(Kc, aSliver, bSliver, cTile, Ldc, Alpha, Beta);
                        continue;
                    }
                    TKernel.Tile(Kc, aSliver, bSliver, edge, nr, 1f, 0f);
                    for (int i = 0; i < rows; i++)
                    {
                        for (int j = 0; j < cols; j++)
                        {
                            ref float cij = ref cTile[(long)i * Ldc + j];
                            float product = Alpha * edge[i * nr + j];
                            cij = Beta == 0f ? product : product + Beta * cij;
                        }
                    }
                }
            }
        }
    }
}
