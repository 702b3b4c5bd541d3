using System.Runtime.CompilerServices;

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
///     for ic in 0..m step MC       (row blocks: the units threads take)
///       pack op(A)[ic.., pc..] → Ã MC×KC, lives in L2, one per thread
///       for jr in 0..NC step NR    a KC×NR sliver of B̃ stays in L1 ...
///         for ir in 0..MC step MR  ... while MR×KC slivers of Ã stream past it
///           micro-kernel: C[ir.., jr..] (MR×NR, in registers) += Ã sliver · B̃ sliver
/// </code>
/// The first KC slice applies beta to C; later slices add (beta = 1). Each MR×NR tile of C is computed by
/// one thread, always on the same tile grid and in k-order, so results are bit-identical whatever the
/// thread count or which thread took which tile.
/// Threads share the work of each KC slice dynamically: the packing of B̃ and the products are cut into
/// units (row blocks of Ã, times groups of B̃ slivers when there are few row blocks), and each thread
/// takes the next unit from a shared counter until none are left. On an idle machine this is an even
/// split; on a busy one a thread that lost its core for a while just takes fewer units.
/// </remarks>
internal static unsafe class GemmDriver<TKernel> where TKernel : IGemmMicroKernel
{
    /// <summary>Depth of a packed slice: an MR×KC sliver of Ã plus a KC×NR sliver of B̃ fit in L1 (32 KiB).</summary>
    private const int KC = 256;

    /// <summary>Most rows of a packed Ã block: MC×KC floats = 144 KiB, well inside a 1 MiB L2 (Zen 4) and
    /// below half of a 256 KiB one, next to the B̃ sliver and C's tile rows.</summary>
    private static int MC => 144 / TKernel.MR * TKernel.MR;

    /// <summary>Columns of a packed B̃ panel: KC×NC floats = 4 MiB, shared in L3.</summary>
    private static int NC => 4096 / TKernel.NR * TKernel.NR;

    /// <summary>Fewest multiply-adds worth handing to another thread (a hand-over costs microseconds).</summary>
    private const long MinFmaPerTask = 1L << 18;

    /// <summary>Product units per thread aimed for when m is small (row blocks are split into column groups
    /// until there are this many): more units balance a busy machine better, but a row block split into
    /// groups is packed into Ã by every thread that takes one of its groups. So with at least one row block
    /// per thread, aim for 2 units each (measured: [768x512]ᵀ·[768x128] 140 → 152 GFLOP/s on 2 threads);
    /// with fewer, the packing is repeated anyway and 4 units each balance better.</summary>
    private static int UnitsPerThread(int blocks, int threads) => blocks >= threads ? 2 : 4;

    /// <summary>B̃ slivers packed per work unit.</summary>
    private const int PackSliversPerUnit = 4;

    /// <summary>C = alpha·op(A)·op(B) + beta·C for m, n, k ≥ 1, on up to <paramref name="maxThreads"/> threads.</summary>
    public static void Run(bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc, int maxThreads)
    {
        int mr = TKernel.MR, nr = TKernel.NR;
        int threads = Math.Min(maxThreads, ParallelFor.MaxThreads);
        int ncMax = Math.Min(NC, RoundUp(n, nr));
        int kcMax = Math.Min(KC, k);
        float* packedB = GemmBuffers.PackedB((long)ncMax * kcMax + GemmPacking.Slack);
        int* nextUnit = GemmBuffers.WorkCounter();
        int* packedDone = nextUnit + GemmBuffers.CounterStride;

        // Row blocks of Ã: as few as fit MC, but a multiple of the thread count so threads finish together.
        int blocks = (m + MC - 1) / MC;
        if (threads > 1 && blocks > 1) blocks = RoundUp(blocks, threads);
        int blockRows = Math.Min(MC, RoundUp((m + blocks - 1) / blocks, mr));
        blocks = (m + blockRows - 1) / blockRows;

        for (int jc = 0; jc < n; jc += NC)
        {
            int nc = Math.Min(NC, n - jc);
            int slivers = (nc + nr - 1) / nr;
            // Few row blocks (small m): also split the columns, so every thread has several units to take.
            int groups = Math.Clamp((UnitsPerThread(blocks, threads) * threads + blocks - 1) / blocks, 1, slivers);
            if (threads == 1) groups = 1;
            int sliversPerGroup = (slivers + groups - 1) / groups;
            groups = (slivers + sliversPerGroup - 1) / sliversPerGroup;
            for (int pc = 0; pc < k; pc += KC)
            {
                int kc = Math.Min(KC, k - pc);
                long fma = (long)m * nc * kc;
                int packUnits = (slivers + PackSliversPerUnit - 1) / PackSliversPerUnit;
                nextUnit[0] = 0;
                packedDone[0] = 0;
                Fork(Math.Min(packUnits + blocks * groups, Tasks(fma, threads)), new SliceUnits
                {
                    TransA = transA, A = a, Lda = lda, M = m, BlockRows = blockRows, Groups = groups,
                    SliversPerGroup = sliversPerGroup, Slivers = slivers, PackUnits = packUnits,
                    Units = packUnits + blocks * groups, NextUnit = nextUnit, PackedDone = packedDone,
                    TransB = transB, B = b, Ldb = ldb,
                    P0 = pc, Kc = kc, J0 = jc, Nc = nc, PackedB = packedB, C = c, Ldc = ldc,
                    Alpha = alpha, Beta = pc == 0 ? beta : 1f,
                });
            }
        }
    }

    private static int RoundUp(int x, int unit) => (x + unit - 1) / unit * unit;

    private static int Tasks(long fma, int threads) => (int)Math.Clamp(fma / MinFmaPerTask, 1, threads);

    /// <summary>Starts <paramref name="tasks"/> copies of a work-taking body (inline when one).</summary>
    private static void Fork<TAction>(int tasks, TAction action) where TAction : struct, IRangeAction
    {
        if (tasks <= 1) action.Invoke(0, 1);
        else ParallelFor.Run(tasks, 1, action);
    }

    /// <summary>Takes the next unit number; all copies of a body share the counter, so a thread that runs
    /// late (another process had its core) simply takes fewer units.</summary>
    private static int Take(int* nextUnit) => Interlocked.Increment(ref *nextUnit) - 1;

    /// <summary>
    /// All the work of one KC slice, in one hand-over: units [0, PackUnits) pack the B̃ panel,
    /// <see cref="PackSliversPerUnit"/> slivers each; the rest are products (row block, column group) in
    /// row-block order. A thread packs a row block of Ã the first time one of its units needs it, then
    /// multiplies it by that group of B̃ slivers. Which thread takes which unit varies; what each tile
    /// computes does not.
    /// </summary>
    /// <remarks>
    /// A product needs the whole of B̃, so a thread that takes its first product unit spins until every
    /// pack unit is done. It cannot wait forever: units are taken in order, so by then every pack unit has
    /// been taken, and a thread that takes a pack unit packs it at once without waiting on anything.
    /// (Separate dispatches for packing and products cost a second hand-over per slice, which showed up
    /// as a few percent on two threads.)
    /// </remarks>
    private struct SliceUnits : IRangeAction
    {
        public bool TransA, TransB;
        public float* A, B;
        public int Lda, Ldb, M, BlockRows, Groups, SliversPerGroup, Slivers, PackUnits, Units;
        public int* NextUnit;
        public int* PackedDone;
        public int P0, Kc, J0, Nc;
        public float* PackedB;
        public float* C;
        public int Ldc;
        public float Alpha, Beta;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public readonly void Invoke(int start, int end)
        {
            int unit = Take(NextUnit);
            for (; unit < PackUnits; unit = Take(NextUnit))
            {
                int first = unit * PackSliversPerUnit;
                GemmPacking.PackB<TKernel>(TransB, B, Ldb, P0, Kc, J0, Nc, first, Math.Min(Slivers, first + PackSliversPerUnit), PackedB);
                Interlocked.Increment(ref *PackedDone);
            }
            if (unit >= Units) return;
            SpinWait spin = default;
            while (Volatile.Read(ref *PackedDone) < PackUnits) spin.SpinOnce(sleep1Threshold: -1);

            float* packedA = GemmBuffers.PackedA((long)BlockRows * Kc + GemmPacking.Slack);
            float* edge = stackalloc float[TKernel.MR * TKernel.NR];
            int packedBlock = -1;
            for (; unit < Units; unit = Take(NextUnit))
            {
                int product = unit - PackUnits;
                int block = product / Groups, group = product % Groups;
                int ic = block * BlockRows, mc = Math.Min(BlockRows, M - ic);
                if (block != packedBlock)
                {
                    GemmPacking.PackA<TKernel>(TransA, A, Lda, ic, mc, P0, Kc, packedA);
                    packedBlock = block;
                }
                int s0 = group * SliversPerGroup;
                MacroKernel(ic, mc, s0, Math.Min(Slivers, s0 + SliversPerGroup), packedA, edge);
            }
        }

        /// <summary>C[ic .. ic+mc, slivers s0..s1] (+)= Ã · B̃, tile by tile; edge tiles go through a scratch tile.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
