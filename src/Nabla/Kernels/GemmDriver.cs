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
/// The first KC slice applies beta to C; later slices add (beta = 1). Each slice's share of an MR×NR tile
/// of C is computed by one thread, always on the same tile grid, and the slices of a tile are added in
/// k-order, so results are bit-identical whatever the thread count or which thread took which tile.
/// Threads share the work dynamically and in one hand-over for the whole product: the packing of B̃ and
/// the products are cut into units (row blocks of Ã, times groups of B̃ slivers when there are few row
/// blocks), and each thread takes the next unit from a shared counter until none are left (see
/// <see cref="WholeProduct"/>). On an idle machine this is an even split; on a busy one a thread that
/// lost its core for a while just takes fewer units.
/// </remarks>
internal static unsafe class GemmDriver<TKernel> where TKernel : IGemmMicroKernel
{
    /// <summary>Depth of a packed slice: a KC×NR sliver of B̃ (24 KiB for the AVX2 tile) stays in L1 (32 KiB)
    /// while MR×KC slivers of Ã stream past it. Deeper slices write each tile of C fewer times; deeper
    /// still would crowd the sliver out of L1 (the sweep is in docs/kernels-gemm.md).</summary>
    private const int KC = 384;

    /// <summary>Most rows of a packed Ã block: MC×KC floats = 216 KiB, well inside a 1 MiB L2 (Zen 4), next
    /// to the B̃ sliver and C's tile rows.</summary>
    private static int MC => 144 / TKernel.MR * TKernel.MR;

    /// <summary>Columns of a packed B̃ panel: KC×NC floats = 6 MiB (two of them: double-buffered), shared in L3.</summary>
    private static int NC => 4096 / TKernel.NR * TKernel.NR;

    /// <summary>Fewest multiply-adds worth handing to another thread (a hand-over costs microseconds).</summary>
    private const long MinFmaPerTask = 1L << 18;

    /// <summary>Product units per thread aimed for when m is small (row blocks are split into column groups
    /// until there are this many): more units balance a busy machine better, but a row block split into
    /// groups is packed into Ã by every thread that takes one of its groups. So with at least one row block
    /// per thread, aim for 2 units each (the weight-gradient shapes gain most); with fewer, the packing is
    /// repeated anyway and 4 units each balance better.</summary>
    private static int UnitsPerThread(int blocks, int threads) => blocks >= threads ? 2 : 4;

    /// <summary>A unit multiplying a row block by at most this many B̃ slivers reads a row-major A in place
    /// instead of packing it into Ã: packing transposes the block, paid once and repaid per sliver, so
    /// with few slivers it costs more than it saves. (A stored transposed is always packed: its slivers
    /// would be strided.) Attention's small-n products gain most; the measurements and the other
    /// thresholds tried are in docs/kernels-gemm.md.</summary>
    private const int MaxSliversUnpacked = 8;

    /// <summary>B̃ slivers packed per work unit.</summary>
    private const int PackSliversPerUnit = 4;

    /// <summary>C = alpha·op(A)·op(B) + beta·C for m, n, k ≥ 1, on up to <paramref name="maxThreads"/> threads.</summary>
    public static void Run(bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc, int maxThreads)
    {
        int nr = TKernel.NR;
        int threads = Math.Min(maxThreads, ParallelFor.MaxThreads);
        int ncMax = Math.Min(NC, RoundUp(n, nr));
        int kcMax = Math.Min(KC, k);
        long panelFloats = RoundUp64((long)ncMax * kcMax + GemmPacking.Slack); // both halves 64-byte aligned

        // Row blocks of Ã: as few as fit MC, but a multiple of the thread count so threads finish together.
        int blocks = (m + MC - 1) / MC;
        if (threads > 1 && blocks > 1) blocks = RoundUp(blocks, threads);
        int blockRows = Math.Min(MC, RoundUp((m + blocks - 1) / blocks, TKernel.MR));
        blocks = (m + blockRows - 1) / blockRows;

        // Few row blocks (small m): also split the columns of a full panel, so every thread has several
        // units to take. A narrower last panel uses the same column groups (some may be empty).
        int fullSlivers = ncMax / nr;
        int groups = threads == 1 ? 1 : Math.Clamp((UnitsPerThread(blocks, threads) * threads + blocks - 1) / blocks, 1, fullSlivers);
        int sliversPerGroup = (fullSlivers + groups - 1) / groups;
        groups = (fullSlivers + sliversPerGroup - 1) / sliversPerGroup;

        int panels = (n + NC - 1) / NC, depthSlices = (k + KC - 1) / KC;
        int slices = panels * depthSlices;
        int packUnits = (fullSlivers + PackSliversPerUnit - 1) / PackSliversPerUnit;
        int unitsPerSlice = packUnits + blocks * groups;
        int* counters = GemmBuffers.Counters((1 + slices) * GemmBuffers.CounterStride + blocks * groups);
        var plan = new WholeProduct
        {
            TransA = transA, A = a, Lda = lda, M = m, BlockRows = blockRows, Groups = groups,
            SliversPerGroup = sliversPerGroup, PackUnits = packUnits, UnitsPerSlice = unitsPerSlice,
            Units = slices * unitsPerSlice, DepthSlices = depthSlices, K = k, N = n,
            NextUnit = counters, SliceCounters = counters + GemmBuffers.CounterStride,
            TileDone = counters + GemmBuffers.CounterStride * (1 + slices),
            TransB = transB, B = b, Ldb = ldb,
            PackedB = GemmBuffers.PackedB(2 * panelFloats), PanelFloats = panelFloats, C = c, Ldc = ldc,
            Alpha = alpha, Beta = beta,
        };
        new Span<int>(counters, GemmBuffers.CounterStride * (1 + slices)).Clear();
        new Span<int>(plan.TileDone, blocks * groups).Fill(-1);
        int tasks = Tasks((long)m * n * k, threads);
        if (tasks <= 1) plan.Invoke(0, 1);
        else ParallelFor.Run(tasks, 1, plan);
    }

    private static int RoundUp(int x, int unit) => (x + unit - 1) / unit * unit;

    private static long RoundUp64(long floats) => (floats + 15) / 16 * 16;

    private static int Tasks(long fma, int threads) => (int)Math.Clamp(fma / MinFmaPerTask, 1, threads);

    /// <summary>Takes the next unit number; all copies of a body share the counter, so a thread that runs
    /// late (another process had its core) simply takes fewer units.</summary>
    private static int Take(int* nextUnit) => Interlocked.Increment(ref *nextUnit) - 1;

    /// <summary>Spins until <paramref name="counter"/> reaches <paramref name="target"/>.</summary>
    private static void AwaitCount(int* counter, int target)
    {
        SpinWait spin = default;
        while (Volatile.Read(ref *counter) < target) spin.SpinOnce(sleep1Threshold: -1);
    }

    /// <summary>
    /// The whole product in one hand-over. Slices (jc, pc) are numbered in loop order, and each slice is
    /// a run of units: first <see cref="PackUnits"/> units that pack <see cref="PackSliversPerUnit"/>
    /// slivers of its B̃ panel each, then its products (row block, column group) in row-block order.
    /// Every thread takes the next unit from one shared counter until none are left, packing a row block
    /// of Ã the first time one of its units needs it. Which thread takes which unit varies; what each tile
    /// computes, and in which order of k, does not.
    /// </summary>
    /// <remarks>
    /// Three waits keep the order without a barrier between slices, so a thread that finishes its share
    /// of one slice goes straight on to the next:
    /// a product waits until its slice's B̃ is packed; a product waits until the same tile of C has taken
    /// the previous slice of its panel (the k-order that makes results bit-identical); and B̃ is double
    /// buffered, so packing slice s waits only until the products of slice s − 2 are done with its buffer.
    /// No wait can last forever: each waits on units numbered before its own, which were therefore
    /// already taken by a running thread, and by induction none of those waits forever either. That also
    /// makes the body safe for <see cref="ParallelFor"/>, which runs a late worker's copy on the caller:
    /// by then there is simply nothing left to take. (Before this, each slice was a hand-over of its own,
    /// and threads met at the end of every slice.)
    /// </remarks>
    private struct WholeProduct : IRangeAction
    {
        public bool TransA, TransB;
        public float* A, B;
        public int Lda, Ldb, M, N, K, BlockRows, Groups, SliversPerGroup, PackUnits, UnitsPerSlice, Units, DepthSlices;
        public int* NextUnit;
        /// <summary>Per slice, one cache line: [0] pack units done, [1] product units done.</summary>
        public int* SliceCounters;
        /// <summary>Per (row block, column group): the last slice whose product into that tile is done.</summary>
        public int* TileDone;
        public float* PackedB;
        public long PanelFloats;
        public float* C;
        public int Ldc;
        public float Alpha, Beta;

        [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
        public readonly void Invoke(int start, int end)
        {
            int nr = TKernel.NR;
            float* packedA = GemmBuffers.PackedA((long)BlockRows * Math.Min(KC, K) + GemmPacking.Slack);
            float* edge = stackalloc float[TKernel.MR * TKernel.NR];
            int packedSlice = -1, packedBlock = -1;
            for (int unit = Take(NextUnit); unit < Units; unit = Take(NextUnit))
            {
                int slice = unit / UnitsPerSlice, within = unit % UnitsPerSlice;
                int depth = slice % DepthSlices;
                int pc = depth * KC, kc = Math.Min(KC, K - pc);
                int jc = slice / DepthSlices * NC, nc = Math.Min(NC, N - jc);
                int slivers = (nc + nr - 1) / nr;
                float* panel = PackedB + (slice & 1) * PanelFloats;
                int* counters = SliceCounters + slice * GemmBuffers.CounterStride;
                if (within < PackUnits)
                {
                    if (slice >= 2) AwaitCount(counters - 2 * GemmBuffers.CounterStride + 1, UnitsPerSlice - PackUnits);
                    int first = within * PackSliversPerUnit;
                    if (first < slivers)
                        GemmPacking.PackB<TKernel>(TransB, B, Ldb, pc, kc, jc, nc, first, Math.Min(slivers, first + PackSliversPerUnit), panel);
                    Interlocked.Increment(ref counters[0]);
                    continue;
                }
                int product = within - PackUnits;
                int block = product / Groups, group = product % Groups;
                int s0 = group * SliversPerGroup, s1 = Math.Min(slivers, s0 + SliversPerGroup);
                int ic = block * BlockRows, mc = Math.Min(BlockRows, M - ic);
                AwaitCount(counters, PackUnits);
                if (depth > 0) AwaitCount(TileDone + product, slice - 1);
                bool unpacked = !TransA && s1 - s0 <= MaxSliversUnpacked;
                if (unpacked && mc % TKernel.MR != 0)
                {
                    // Only the partial bottom sliver is packed (zero-padded rows); the full ones are read in place.
                    int tail = mc / TKernel.MR * TKernel.MR;
                    GemmPacking.PackA<TKernel>(TransA, A, Lda, ic + tail, mc - tail, pc, kc, packedA + (long)tail * kc);
                    packedSlice = -1;
                }
                else if (!unpacked && s0 < s1 && (slice != packedSlice || block != packedBlock))
                {
                    GemmPacking.PackA<TKernel>(TransA, A, Lda, ic, mc, pc, kc, packedA);
                    packedSlice = slice;
                    packedBlock = block;
                }
                MacroKernel(ic, mc, s0, s1, jc, nc, pc, kc, depth == 0 ? Beta : 1f, unpacked, panel, packedA, edge);
                // Slices only grow, but a tile of the previous panel may finish after this panel's first
                // slice reused its index: never let the recorded slice go backwards.
                for (int done = Volatile.Read(ref TileDone[product]); done < slice;)
                {
                    int seen = Interlocked.CompareExchange(ref TileDone[product], slice, done);
                    if (seen == done) break;
                    done = seen;
                }
                Interlocked.Increment(ref counters[1]);
            }
        }

        /// <summary>C[ic .. ic+mc, jc + slivers s0..s1] (+)= Ã · B̃, tile by tile; edge tiles go through a scratch tile.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
        private readonly void MacroKernel(int ic, int mc, int s0, int s1, int jc, int nc, int pc, int kc, float beta,
            bool unpacked, float* panel, float* packedA, float* edge)
        {
            int mr = TKernel.MR, nr = TKernel.NR;
            for (int s = s0; s < s1; s++)
            {
                int jr = s * nr;
                int cols = Math.Min(nr, nc - jr);
                float* bSliver = panel + (long)s * nr * kc;
                for (int ir = 0; ir < mc; ir += mr)
                {
                    int rows = Math.Min(mr, mc - ir);
                    float* cTile = C + (long)(ic + ir) * Ldc + jc + jr;
                    if (unpacked && rows == mr)
                        Tile(new UnpackedASliver(A + (long)(ic + ir) * Lda + pc, Lda), bSliver, cTile, rows, cols, kc, beta, edge);
                    else
                        Tile(new PackedASliver(packedA + (long)ir * kc, mr), bSliver, cTile, rows, cols, kc, beta, edge);
                }
            }
        }

        /// <summary>One tile of C from an A sliver and a B̃ sliver: in place when it is whole, else computed
        /// into the scratch tile and only its valid rows × cols written back.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private readonly void Tile<TA>(TA a, float* bSliver, float* cTile, int rows, int cols, int kc, float beta, float* edge)
            where TA : struct, IASliver
        {
            if (rows == TKernel.MR && cols == TKernel.NR)
            {
                TKernel.Tile(kc, a, bSliver, cTile, Ldc, Alpha, beta);
                return;
            }
            TKernel.Tile(kc, a, bSliver, edge, TKernel.NR, 1f, 0f);
            WriteEdge(cTile, edge, rows, cols, beta);
        }

        /// <summary>Writes the valid rows × cols of an edge tile computed into scratch.</summary>
        private readonly void WriteEdge(float* cTile, float* edge, int rows, int cols, float beta)
        {
            for (int i = 0; i < rows; i++)
            {
                for (int j = 0; j < cols; j++)
                {
                    ref float cij = ref cTile[(long)i * Ldc + j];
                    float product = Alpha * edge[i * TKernel.NR + j];
                    cij = beta == 0f ? product : product + beta * cij;
                }
            }
        }
    }
}
