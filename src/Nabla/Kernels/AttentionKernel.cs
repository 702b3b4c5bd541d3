using System.Buffers;
using System.Runtime.CompilerServices;

namespace Nabla.Kernels;

/// <summary>
/// Fused scaled dot-product attention, forward and backward, without ever holding a T × T matrix:
/// o = softmax(scale · q kᵀ + mask) v per head, with mask = −∞ where a query may not see a key.
/// Layout: q and o are [heads, queries, headSize], k and v [heads, keys, headSize], row-major and
/// contiguous (a tensor (B, nh, T, hs) is heads = B · nh), or any <see cref="AttentionLayout"/>: q and dq
/// share one, k, v, dk and dv another, o and dO a third (GPT-2's c_attn output (B, T, 3C) is read in
/// place, and o is written as (B, T, C), ready for c_proj). lse is [heads, queries], the log-sum-exp of
/// each query's scores, saved by forward for backward.
/// </summary>
/// <remarks>
/// <para>Causal masking is aligned to the end: the queries are the last <c>queries</c> positions of a
/// sequence of <c>keys</c>, so query i sees keys 0 … i + (keys − queries). With queries = keys that is the
/// usual lower triangle; with fewer queries it is a step of generation with a key/value cache.</para>
/// <para>Forward (online softmax, Milakov and Gimelshein 2018; FlashAttention, Dao et al. 2022): a block
/// of <see cref="QueryBlock"/> queries meets the keys <see cref="KeyBlock"/> at a time. Each block of
/// scores s = scale · q kᵀ is exponentiated against the running row max m; when a block raises m, the
/// row's running sum l and output o are first multiplied by e^(m_old − m_new). After the last block
/// o /= l and lse = m + log l. The scratch is a tile of scores and kᵀ of one head: memory linear in T.</para>
/// <para>Backward (FlashAttention's): with D_i = dO_i · o_i, every tile recomputes p = exp(s − lse) from q,
/// k and the saved lse, then dv += pᵀ dO, dp = dO vᵀ, ds = p ⊙ (dp − D), dq += scale · ds k and
/// dk += scale · dsᵀ q. It adds into dq, dk and dv (+=), as autograd accumulates.</para>
/// <para>Dropout on the probabilities (<see cref="AttentionDropout"/>): forward multiplies each tile of p by
/// the mask Z (0, or 1/(1 − p) for a survivor) after adding it to the row's sum, so o = (P ⊙ Z) v; backward
/// draws the same Z from the same seed, takes dv += (p ⊙ Z)ᵀ dO and dp ← Z ⊙ dp; D = dO · o is unchanged.
/// Nothing of size T × T is stored for it either.</para>
/// <para>Threads: forward splits (head, query block) pairs across cores; backward splits heads, since
/// every query block of a head adds into the same dk and dv. Sums run in a fixed order, so results do
/// not depend on the thread count. The products of a tile are <see cref="AttentionTile"/>'s register-blocked
/// loops, written once for every lane width.</para>
/// </remarks>
public static unsafe class AttentionKernel
{
    /// <summary>Queries per block: rows of a score tile.</summary>
    internal const int QueryBlock = 32;

    /// <summary>Keys per block: columns of a score tile (a 32 × 64 tile is 8 KiB, at home in L1).</summary>
    internal const int KeyBlock = 64;

    /// <summary>Fewest queries in a block for which transposing k (hs · keys moves) pays: below, each score is a dot product of two rows.</summary>
    private const int MinRowsTransposed = 4;

    /// <summary>Fewest multiply-adds worth handing to another core.</summary>
    private const long MinFmaPerTask = 1L << 17;

    public static void Forward(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> o,
        Span<float> lse, int heads, int queries, int keys, int headSize, bool causal, float scale, AttentionDropout dropout = default)
    {
        Forward(q, k, v, o, lse, heads, queries, keys, headSize, causal, scale,
            AttentionLayout.Contiguous(queries, headSize), AttentionLayout.Contiguous(keys, headSize), AttentionLayout.Contiguous(queries, headSize), dropout);
    }

    /// <summary>Forward with layouts: q in <paramref name="qLayout"/>, k and v in <paramref name="kvLayout"/>, o in
    /// <paramref name="oLayout"/>; and <paramref name="dropout"/> on the probabilities (o = (P ⊙ Z) v, Z the mask
    /// scaled by 1/(1 − p); lse stays that of P, before dropout).</summary>
    public static void Forward(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> o,
        Span<float> lse, int heads, int queries, int keys, int headSize, bool causal, float scale,
        AttentionLayout qLayout, AttentionLayout kvLayout, AttentionLayout oLayout, AttentionDropout dropout = default)
    {
        const string kernel = "AttentionKernel.Forward";
        Check(kernel, heads, queries, keys, headSize, causal);
        dropout.Check(kernel);
        var z = new Sizes(queries, keys, headSize, causal, scale, qLayout, kvLayout, oLayout, dropout);
        z.CheckLengths(kernel, q.Length, k.Length, v.Length, o.Length, lse.Length, heads);
        int units = heads * Blocks(queries);
        long fmaPerUnit = (long)QueryBlock * keys * headSize;
        fixed (float* pq = q, pk = k, pv = v, po = o, pl = lse)
            RowMath.ParallelLanes(units, (int)Math.Clamp(MinFmaPerTask / Math.Max(1, fmaPerUnit), 1, int.MaxValue),
                new ForwardBlocks(z, pq, pk, pv, po, pl));
    }

    /// <summary>dq += ∂L/∂q, dk += ∂L/∂k, dv += ∂L/∂v given dO = ∂L/∂o, from the forward's o and lse.</summary>
    public static void Backward(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v,
        ReadOnlySpan<float> o, ReadOnlySpan<float> lse, ReadOnlySpan<float> dO,
        Span<float> dq, Span<float> dk, Span<float> dv, int heads, int queries, int keys, int headSize, bool causal, float scale,
        AttentionDropout dropout = default)
    {
        Backward(q, k, v, o, lse, dO, dq, dk, dv, heads, queries, keys, headSize, causal, scale,
            AttentionLayout.Contiguous(queries, headSize), AttentionLayout.Contiguous(keys, headSize), AttentionLayout.Contiguous(queries, headSize), dropout);
    }

    /// <summary>Backward with layouts: q and dq in <paramref name="qLayout"/>, k, v, dk and dv in
    /// <paramref name="kvLayout"/>, o and dO in <paramref name="oLayout"/>; <paramref name="dropout"/> must be forward's.</summary>
    public static void Backward(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v,
        ReadOnlySpan<float> o, ReadOnlySpan<float> lse, ReadOnlySpan<float> dO,
        Span<float> dq, Span<float> dk, Span<float> dv, int heads, int queries, int keys, int headSize, bool causal, float scale,
        AttentionLayout qLayout, AttentionLayout kvLayout, AttentionLayout oLayout, AttentionDropout dropout = default)
    {
        const string kernel = "AttentionKernel.Backward";
        Check(kernel, heads, queries, keys, headSize, causal);
        dropout.Check(kernel);
        var z = new Sizes(queries, keys, headSize, causal, scale, qLayout, kvLayout, oLayout, dropout);
        z.CheckLengths(kernel, q.Length, k.Length, v.Length, o.Length, lse.Length, heads);
        z.CheckLengths(kernel, dq.Length, dk.Length, dv.Length, dO.Length, lse.Length, heads, "dq", "dk", "dv", "dO");
        long fmaPerHead = (long)queries * keys * headSize;
        fixed (float* pq = q, pk = k, pv = v, po = o, pl = lse, pdo = dO, pdq = dq, pdk = dk, pdv = dv)
            RowMath.ParallelLanes(heads, (int)Math.Clamp(MinFmaPerTask / Math.Max(1, fmaPerHead), 1, int.MaxValue),
                new BackwardHeads(z, pq, pk, pv, po, pl, pdo, pdq, pdk, pdv));
    }

    /// <summary><see cref="Forward"/> on this thread with lanes <typeparamref name="T"/> (tests check every width).</summary>
    internal static void ForwardWith<T>(float[] q, float[] k, float[] v, float[] o, float[] lse,
        int heads, int queries, int keys, int headSize, bool causal, float scale, AttentionDropout dropout = default) where T : struct, ILanes<T>
    {
        fixed (float* pq = q, pk = k, pv = v, po = o, pl = lse)
            new ForwardBlocks(Sizes.Contiguous(queries, keys, headSize, causal, scale, dropout), pq, pk, pv, po, pl).Run<T>(0, heads * Blocks(queries));
    }

    /// <summary><see cref="Backward"/> on this thread with lanes <typeparamref name="T"/>.</summary>
    internal static void BackwardWith<T>(float[] q, float[] k, float[] v, float[] o, float[] lse, float[] dO,
        float[] dq, float[] dk, float[] dv, int heads, int queries, int keys, int headSize, bool causal, float scale,
        AttentionDropout dropout = default) where T : struct, ILanes<T>
    {
        fixed (float* pq = q, pk = k, pv = v, po = o, pl = lse, pdo = dO, pdq = dq, pdk = dk, pdv = dv)
            new BackwardHeads(Sizes.Contiguous(queries, keys, headSize, causal, scale, dropout), pq, pk, pv, po, pl, pdo, pdq, pdk, pdv).Run<T>(0, heads);
    }

    private static int Blocks(int queries) => (queries + QueryBlock - 1) / QueryBlock;

    /// <summary>The sizes of one head, where the heads lie, and what every tile needs to know about the masks.</summary>
    private readonly record struct Sizes(int Queries, int Keys, int HeadSize, bool Causal, float Scale,
        AttentionLayout Q, AttentionLayout KV, AttentionLayout O, AttentionDropout Dropout)
    {
        public static Sizes Contiguous(int queries, int keys, int headSize, bool causal, float scale, AttentionDropout dropout) =>
            new(queries, keys, headSize, causal, scale, AttentionLayout.Contiguous(queries, headSize),
                AttentionLayout.Contiguous(keys, headSize), AttentionLayout.Contiguous(queries, headSize), dropout);

        /// <summary>Row strides: of q (and dq), of k and v (and their gradients), of o (and dO).</summary>
        public int Ldq => Q.RowStride;
        public int Ldk => KV.RowStride;
        public int Ldo => O.RowStride;

        public void CheckLengths(string kernel, int q, int k, int v, int o, int lse, int heads,
            string qName = "q", string kName = "k", string vName = "v", string oName = "o")
        {
            if (Q.RowStride < HeadSize || KV.RowStride < HeadSize || O.RowStride < HeadSize)
                throw new ArgumentException($"{kernel}: row strides q {Q.RowStride}, k/v {KV.RowStride}, o {O.RowStride} must be at least the head size {HeadSize}.");
            RowMath.RequireLength(q, Q.Extent(heads, Queries, HeadSize), kernel, qName);
            RowMath.RequireLength(k, KV.Extent(heads, Keys, HeadSize), kernel, kName);
            RowMath.RequireLength(v, KV.Extent(heads, Keys, HeadSize), kernel, vName);
            RowMath.RequireLength(o, O.Extent(heads, Queries, HeadSize), kernel, oName);
            RowMath.RequireLength(lse, (long)heads * Queries, kernel, "lse");
        }

        /// <summary>Query i sees keys below i + 1 + Offset (causal); queries are the last of the keys' positions.</summary>
        public int Offset => Keys - Queries;

        /// <summary>How many keys a block of queries starting at <paramref name="first"/> sees, together.</summary>
        public int KeysSeen(int first, int rows) => Causal ? Math.Min(Keys, first + rows + Offset) : Keys;

        /// <summary>How many of the <paramref name="n"/> keys from <paramref name="j0"/> query <paramref name="i"/> sees.</summary>
        public int Visible(int i, int j0, int n) => Causal ? Math.Clamp(i + Offset + 1 - j0, 0, n) : n;
    }

    // ---- forward: one block of queries against all the keys it sees ----

    private readonly struct ForwardBlocks(Sizes z, float* q, float* k, float* v, float* o, float* lse) : ILaneRange
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining), SkipLocalsInit]
        public void Run<T>(int start, int end) where T : struct, ILanes<T>
        {
            int hs = z.HeadSize, blocks = Blocks(z.Queries);
            float[] transposed = ArrayPool<float>.Shared.Rent(hs * z.Keys);
            float* tile = stackalloc float[QueryBlock * KeyBlock];
            float* max = stackalloc float[QueryBlock];
            float* sum = stackalloc float[QueryBlock];
            try
            {
                fixed (float* kt = transposed)
                {
                    int packedHead = -1, packed = 0;
                    for (int unit = start; unit < end; unit++)
                    {
                        int head = unit / blocks, i0 = unit % blocks * QueryBlock;
                        int rows = Math.Min(QueryBlock, z.Queries - i0), seen = z.KeysSeen(i0, rows);
                        long kvHead = z.KV.Start(head), qHead = z.Q.Start(head), oHead = z.O.Start(head);
                        // kᵀ of this head, extended as later query blocks see further; a block of a few
                        // queries (a step of generation) reads k's rows directly rather than transpose them all.
                        bool direct = rows < MinRowsTransposed;
                        if (head != packedHead) (packedHead, packed) = (head, 0);
                        if (!direct && packed < seen) Transpose(k + kvHead, z.Ldk, kt, packed, seen, hs, z.Keys);
                        if (!direct) packed = Math.Max(packed, seen);
                        ForwardBlock<T>(z, head, i0, rows, seen, q + qHead + (long)i0 * z.Ldq, direct ? null : kt, k + kvHead, v + kvHead,
                            o + oHead + (long)i0 * z.Ldo, lse + (long)head * z.Queries + i0, tile, max, sum);
                    }
                }
            }
            finally
            {
                ArrayPool<float>.Shared.Return(transposed);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void ForwardBlock<T>(Sizes z, int head, int i0, int rows, int seen, float* q, float* kt, float* k, float* v,
        float* o, float* lse, float* tile, float* max, float* sum) where T : struct, ILanes<T>
    {
        int hs = z.HeadSize, ldq = z.Ldq, ldk = z.Ldk, ldo = z.Ldo;
        for (int r = 0; r < rows; r++)
        {
            new Span<float>(o + (long)r * ldo, hs).Clear();
            (max[r], sum[r]) = (float.NegativeInfinity, 0f);
        }
        for (int j0 = 0; j0 < seen; j0 += KeyBlock)
        {
            int n = Math.Min(KeyBlock, seen - j0);
            // s = scale · q kᵀ for this tile: [rows, n]
            if (kt != null) AttentionTile.Multiply<T>(rows, n, hs, z.Scale, q, ldq, 1, kt + j0, z.Keys, tile, KeyBlock, accumulate: false);
            else AttentionTile.DotRows<T>(rows, n, hs, z.Scale, q, ldq, k + (long)j0 * ldk, ldk, tile, KeyBlock);
            for (int r = 0; r < rows; r++)
            {
                float* s = tile + r * KeyBlock;
                int visible = z.Visible(i0 + r, j0, n);
                new Span<float>(s + visible, n - visible).Clear();
                if (visible == 0) continue;
                // The running max rises to m; what was summed so far was relative to the old max.
                float m = MathF.Max(max[r], RowMath.Max<T>(in s[0], visible));
                float rescale = MathF.Exp(max[r] - m);
                sum[r] = sum[r] * rescale + RowMath.ExpShiftedStore<T>(in s[0], ref s[0], visible, m);
                max[r] = m;
                if (rescale != 1f) RowMath.ScaleShift<T>(in o[r * ldo], ref o[r * ldo], hs, rescale, 0f);
                // Dropout acts on the probabilities after the sum is taken: the row still normalizes to 1 before it.
                if (z.Dropout.Active) z.Dropout.Apply(s, s, null, visible, z.Dropout.RowKey(head, i0 + r, z.Queries), j0);
            }
            // o += p v: [rows, n] · [n, hs]
            AttentionTile.Multiply<T>(rows, hs, n, 1f, tile, KeyBlock, 1, v + (long)j0 * ldk, ldk, o, ldo, accumulate: true);
        }
        for (int r = 0; r < rows; r++)
        {
            RowMath.ScaleShift<T>(in o[r * ldo], ref o[r * ldo], hs, 1f / sum[r], 0f);
            lse[r] = max[r] + MathF.Log(sum[r]);
        }
    }

    // ---- backward: one head at a time, its query blocks in order ----

    private readonly struct BackwardHeads(Sizes z, float* q, float* k, float* v, float* o, float* lse,
        float* dO, float* dq, float* dk, float* dv) : ILaneRange
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining), SkipLocalsInit]
        public void Run<T>(int start, int end) where T : struct, ILanes<T>
        {
            int hs = z.HeadSize;
            float[] transposed = ArrayPool<float>.Shared.Rent(2 * hs * z.Keys);
            float* p = stackalloc float[QueryBlock * KeyBlock];
            float* dp = stackalloc float[QueryBlock * KeyBlock];
            float* kept = stackalloc float[QueryBlock * KeyBlock];
            float* rowDots = stackalloc float[QueryBlock];
            try
            {
                fixed (float* kt = transposed)
                {
                    float* vt = kt + hs * z.Keys;
                    for (int head = start; head < end; head++)
                    {
                        long kv = z.KV.Start(head), qh = z.Q.Start(head), oh = z.O.Start(head);
                        Transpose(k + kv, z.Ldk, kt, 0, z.Keys, hs, z.Keys);
                        Transpose(v + kv, z.Ldk, vt, 0, z.Keys, hs, z.Keys);
                        var h = new HeadGradients(head, q + qh, k + kv, kt, vt, o + oh, lse + (long)head * z.Queries, dO + oh, dq + qh, dk + kv, dv + kv);
                        for (int i0 = 0; i0 < z.Queries; i0 += QueryBlock)
                            BackwardBlock<T>(z, h, i0, p, dp, kept, rowDots);
                    }
                }
            }
            finally
            {
                ArrayPool<float>.Shared.Return(transposed);
            }
        }
    }

    /// <summary>One head's operands in backward: kt and vt are kᵀ and vᵀ, [headSize, keys].</summary>
    private readonly struct HeadGradients(int head, float* q, float* k, float* kt, float* vt, float* o, float* lse,
        float* dO, float* dq, float* dk, float* dv)
    {
        public readonly int Head = head;
        public readonly float* Q = q, K = k, Kt = kt, Vt = vt, O = o, Lse = lse, DO = dO, DQ = dq, DK = dk, DV = dv;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void BackwardBlock<T>(Sizes z, HeadGradients h, int i0, float* p, float* dp, float* kept, float* rowDots) where T : struct, ILanes<T>
    {
        int hs = z.HeadSize, rows = Math.Min(QueryBlock, z.Queries - i0), seen = z.KeysSeen(i0, rows);
        int ldq = z.Ldq, ldk = z.Ldk, ldo = z.Ldo;
        float* q = h.Q + (long)i0 * ldq, dq = h.DQ + (long)i0 * ldq, dO = h.DO + (long)i0 * ldo, o = h.O + (long)i0 * ldo;
        // D_i = dO_i · o_i = Σ_j p_ij dp_ij: softmax's backward needs each row's ⟨p, dp⟩.
        for (int r = 0; r < rows; r++) rowDots[r] = RowMath.Dot<T>(in dO[r * ldo], in o[r * ldo], hs);
        for (int j0 = 0; j0 < seen; j0 += KeyBlock)
        {
            int n = Math.Min(KeyBlock, seen - j0);
            // p = exp(scale · q kᵀ − lse), recomputed rather than stored
            AttentionTile.Multiply<T>(rows, n, hs, z.Scale, q, ldq, 1, h.Kt + j0, z.Keys, p, KeyBlock, accumulate: false);
            for (int r = 0; r < rows; r++)
            {
                float* s = p + r * KeyBlock;
                int visible = z.Visible(i0 + r, j0, n);
                RowMath.ExpShiftedStore<T>(in s[0], ref s[0], visible, h.Lse[i0 + r]);
                new Span<float>(s + visible, n - visible).Clear();
            }
            // dp = dO vᵀ, then ds = scale · p ⊙ (dp − D) in its place. With dropout, forward multiplied v by
            // p ⊙ Z: dv needs that (kept), and the gradient reaching p is Z ⊙ dp; D = dO · o holds as it is.
            AttentionTile.Multiply<T>(rows, n, hs, 1f, dO, ldo, 1, h.Vt + j0, z.Keys, dp, KeyBlock, accumulate: false);
            float* used = p;
            if (z.Dropout.Active)
            {
                for (int r = 0; r < rows; r++)
                    z.Dropout.Apply(p + r * KeyBlock, kept + r * KeyBlock, dp + r * KeyBlock, n, z.Dropout.RowKey(h.Head, i0 + r, z.Queries), j0);
                used = kept;
            }
            for (int r = 0; r < rows; r++)
                SoftmaxGradientRow<T>(in p[r * KeyBlock], ref dp[r * KeyBlock], n, rowDots[r], z.Scale);
            long keyRows = (long)j0 * ldk;
            // dv += pᵀ dO and dk += dsᵀ q: [n, rows] · [rows, hs], the tiles read transposed
            AttentionTile.Multiply<T>(n, hs, rows, 1f, used, 1, KeyBlock, dO, ldo, h.DV + keyRows, ldk, accumulate: true);
            AttentionTile.Multiply<T>(n, hs, rows, 1f, dp, 1, KeyBlock, q, ldq, h.DK + keyRows, ldk, accumulate: true);
            // dq += ds k: [rows, n] · [n, hs]
            AttentionTile.Multiply<T>(rows, hs, n, 1f, dp, KeyBlock, 1, h.K + keyRows, ldk, dq, ldq, accumulate: true);
        }
    }

    /// <summary>dp ← scale · p ⊙ (dp − D): the softmax Jacobian diag(p) − p pᵀ applied to dp, and the scale of s.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    internal static void SoftmaxGradientRow<T>(ref readonly float p, ref float dp, int n, float rowDot, float scale) where T : struct, ILanes<T>
    {
        int c = 0;
        T d = T.Broadcast(rowDot), sc = T.Broadcast(scale);
        for (; c <= n - T.Count; c += T.Count)
            T.Store(T.Load(in p, c) * sc * (T.Load(in dp, c) - d), ref dp, c);
        for (; c < n; c++)
            RowMath.AtRef(ref dp, c) = RowMath.At(in p, c) * scale * (RowMath.At(in dp, c) - rowDot);
    }

    /// <summary>kt[d, j] = k[j, d] for keys j in [from, to): k's rows are ldk apart, kt is [hs, ld].</summary>
    private static void Transpose(float* k, int ldk, float* kt, int from, int to, int hs, int ld)
    {
        for (int j = from; j < to; j++)
        {
            float* row = k + (long)j * ldk;
            for (int d = 0; d < hs; d++) kt[(long)d * ld + j] = row[d];
        }
    }

    private static void Check(string kernel, int heads, int queries, int keys, int headSize, bool causal)
    {
        if (heads < 0 || queries < 0 || keys < 1 || headSize < 1)
            throw new ArgumentException($"{kernel}: invalid sizes heads={heads}, queries={queries}, keys={keys}, headSize={headSize} (keys and headSize ≥ 1).");
        if (causal && queries > keys)
            throw new ArgumentException($"{kernel}: causal attention needs queries ≤ keys (the queries are the last positions), got {queries} > {keys}.");
    }
}
