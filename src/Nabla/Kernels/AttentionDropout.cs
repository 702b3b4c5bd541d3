using System.Numerics;
using System.Runtime.CompilerServices;

namespace Nabla.Kernels;

/// <summary>
/// Dropout on attention probabilities (Vaswani et al. 2017, §5.4; nanoGPT's attn_dropout) without a stored mask:
/// whether probability (head, query, key) survives is a hash of the seed and those three numbers, so the
/// forward pass and the backward pass, which recomputes the probabilities tile by tile
/// (<see cref="AttentionKernel"/>), draw the same mask without either keeping it, as FlashAttention does with a
/// counter-based generator (Dao et al. 2022; Salmon et al. 2011, "Parallel random numbers: as easy as 1, 2, 3").
/// A survivor is scaled by 1/(1 − p) ("inverted" dropout, as PyTorch), so evaluation needs no rescaling.
/// </summary>
/// <remarks>
/// The hash: a row key from SplitMix64's finalizer (Steele et al. 2014) of the seed and the row's index, then for
/// each key position a 32-bit integer hash (Wellons' "lowbias32") of the row key and the position. The top 24 bits
/// are a uniform draw u in [0, 2²⁴); the probability is dropped when u &lt; p · 2²⁴. Each draw depends only on
/// its coordinates, so the mask is the same for any tiling and any number of threads.
/// </remarks>
/// <param name="P">Probability of dropping, in [0, 1); 0 is no dropout.</param>
/// <param name="Seed">Chooses the mask: draw a fresh one for every call in training.</param>
public readonly record struct AttentionDropout(float P, ulong Seed)
{
    /// <summary>No dropout: every probability kept as it is.</summary>
    public static AttentionDropout None => default;

    /// <summary>True when some probabilities are dropped.</summary>
    public bool Active => P > 0f;

    /// <summary>Draws below this (of 2²⁴) drop.</summary>
    private uint Threshold => (uint)Math.Round(P * (1 << 24));

    /// <summary>What a survivor is multiplied by.</summary>
    private float KeepScale => 1f / (1f - P);

    /// <summary>Throws, naming the kernel, when p is outside [0, 1).</summary>
    internal void Check(string kernel)
    {
        if (!(P >= 0f && P < 1f)) throw new ArgumentException($"{kernel}: attention dropout must be in [0, 1), got {P}.");
    }

    /// <summary>The factor probability (head, query, key) is multiplied by: 0 when dropped, else 1/(1 − p).
    /// <paramref name="queries"/> is the number of queries per head (the row index is head · queries + query).</summary>
    public float Factor(int head, int query, int key, int queries) =>
        Keeps(RowKey(head, query, queries), key) ? KeepScale : 0f;

    /// <summary>The seed mixed with one row's index: what every key position of that row hashes with.</summary>
    internal ulong RowKey(int head, int query, int queries)
    {
        ulong z = Seed + ((ulong)head * (ulong)queries + (ulong)query + 1) * 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private bool Keeps(ulong rowKey, int key)
    {
        uint x = (uint)rowKey + (uint)key * Golden;
        x ^= x >> 16;
        x *= Mix1;
        x ^= x >> 15;
        x *= Mix2;
        x ^= x >> 16;
        return ((x ^ (uint)(rowKey >> 32)) >> 8) >= Threshold;
    }

    private const uint Golden = 0x9E3779B9u, Mix1 = 0x7FEB352Du, Mix2 = 0x846CA68Bu;

    /// <summary>The factors of Vector&lt;float&gt;.Count consecutive keys from <paramref name="key"/>: the same hash
    /// as <see cref="Keeps"/>, lane by lane (32-bit multiplies wrap alike).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> Factors(uint low, uint high, int key, Vector<uint> threshold, Vector<float> keep)
    {
        Vector<uint> x = new Vector<uint>(low) + (new Vector<uint>((uint)key) + Lanes) * Golden;
        x ^= Vector.ShiftRightLogical(x, 16);
        x *= Mix1;
        x ^= Vector.ShiftRightLogical(x, 15);
        x *= Mix2;
        x ^= Vector.ShiftRightLogical(x, 16);
        Vector<uint> kept = Vector.GreaterThanOrEqual(Vector.ShiftRightLogical(x ^ new Vector<uint>(high), 8), threshold);
        return Vector.ConditionalSelect(Vector.AsVectorInt32(kept), keep, Vector<float>.Zero);
    }

    /// <summary>0, 1, 2, … in the lanes of a vector.</summary>
    private static readonly Vector<uint> Lanes = Vector<uint>.Indices;

    /// <summary>
    /// kept[c] = p[c] · Factor(…, key0 + c) for c in [0, n): the dropped become 0, the survivors are scaled; and
    /// dp[c] is multiplied by the same factor when <paramref name="dp"/> is not null. Forward passes its tile row as
    /// both p and kept. Backward keeps p (the probabilities before dropout, for the softmax gradient), gets in kept
    /// what forward multiplied v by, and scales dp, the gradient reaching the probabilities.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    internal unsafe void Apply(float* p, float* kept, float* dp, int n, ulong rowKey, int key0)
    {
        float keep = KeepScale;
        int c = 0, width = Vector<float>.Count;
        if (Vector.IsHardwareAccelerated)
        {
            var threshold = new Vector<uint>(Threshold);
            var keeps = new Vector<float>(keep);
            for (; c <= n - width; c += width)
            {
                Vector<float> f = Factors((uint)rowKey, (uint)(rowKey >> 32), key0 + c, threshold, keeps);
                Vector.Store(Vector.Load(p + c) * f, kept + c);
                if (dp != null) Vector.Store(Vector.Load(dp + c) * f, dp + c);
            }
        }
        for (; c < n; c++)
        {
            float f = Keeps(rowKey, key0 + c) ? keep : 0f;
            kept[c] = p[c] * f;
            if (dp != null) dp[c] *= f;
        }
    }
}
