using Nabla.Kernels;

namespace Nabla.Tensors;

/// <summary>
/// Scaled dot-product attention (Vaswani et al. 2017, §3.2.1) as one fused operation, as PyTorch's
/// torch.nn.functional.scaled_dot_product_attention: o = softmax(q kᵀ · scale + mask) v, scale = 1/√hs
/// by default. Neither the scores nor the probabilities are kept: forward saves each query's log-sum-exp,
/// backward recomputes the probabilities from it (<see cref="AttentionKernel"/>).
/// </summary>
/// <remarks>
/// With <c>causal</c>, query i may see keys 0 … i + (Tk − Tq): the queries are the last Tq positions of
/// the Tk keys, so one step of generation with a key/value cache (Tq = 1) sees every key. For Tq = Tk this
/// is PyTorch's is_causal; for Tq &lt; Tk PyTorch aligns its is_causal mask to the first key instead.
/// </remarks>
public sealed partial class Tensor
{
    /// <summary><paramref name="query"/> is (..., Tq, hs), <paramref name="key"/> and <paramref name="value"/>
    /// (..., Tk, hs) with the same leading dimensions (e.g. (B, nh, T, hs)); the result is (..., Tq, hs).
    /// <paramref name="dropout"/> &gt; 0 drops attention probabilities (PyTorch's dropout_p; pass 0 in evaluation),
    /// the mask chosen by one draw from <paramref name="generator"/> (default: <see cref="Generator.Default"/>).</summary>
    public static Tensor ScaledDotProductAttention(Tensor query, Tensor key, Tensor value, bool causal = false, float? scale = null,
        float dropout = 0f, Generator? generator = null)
    {
        const string op = "ScaledDotProductAttention";
        query.RequireFloat(op);
        key.RequireFloat(op);
        value.RequireFloat(op);
        string shapes = $"query {Shapes.Format(query.shape)}, key {Shapes.Format(key.shape)}, value {Shapes.Format(value.shape)}";
        if (query.Rank < 2 || key.Rank != query.Rank || value.Rank != query.Rank)
            throw new ArgumentException($"{op}: {shapes}: all three must have the same rank, at least 2 (..., T, hs)");
        if (!key.shape.SequenceEqual(value.shape) || !query.shape[..^2].SequenceEqual(key.shape[..^2]) || query.shape[^1] != key.shape[^1])
            throw new ArgumentException($"{op}: {shapes}: key and value must be (..., Tk, hs) and query (..., Tq, hs) with the same leading dimensions and hs");
        int queries = query.shape[^2], keys = key.shape[^2], headSize = query.shape[^1];
        if (headSize == 0 || (keys == 0 && queries > 0))
            throw new ArgumentException($"{op}: {shapes}: needs at least one key and a head size of at least 1");
        if (causal && queries > keys)
            throw new ArgumentException($"{op}: {shapes}: causal attention needs Tq ≤ Tk (the queries are the last Tk positions), got Tq = {queries} > Tk = {keys}");
        float s = scale ?? 1f / MathF.Sqrt(headSize);
        if (!float.IsFinite(s)) throw new ArgumentException($"{op}: scale must be finite, got {s}");
        AttentionDropout drop = AttentionDropoutOf(op, dropout, generator);

        Tensor q = query.Contiguous(), k = key.Contiguous(), v = value.Contiguous();
        Tensor o = Output(ShapeOf(query.shape));
        int heads = queries == 0 ? 0 : o.Count / (queries * headSize);
        if (heads == 0) return o;
        Tensor lse = Output([heads * queries]);
        AttentionKernel.Forward(q.Span, k.Span, v.Span, o.Span, lse.Span, heads, queries, keys, headSize, causal, s, drop);
        return Record(op, o, [q, k, v], dO =>
        {
            // The kernel adds into all three gradients at once; one that nobody needs goes to scratch (its contents do not matter).
            Tensor? dqScratch = q.requiresGrad ? null : RentScratch(ShapeOf(q.shape));
            Tensor? dkScratch = k.requiresGrad ? null : RentScratch(ShapeOf(k.shape));
            Tensor? dvScratch = v.requiresGrad ? null : RentScratch(ShapeOf(v.shape));
            Span<float> dq = dqScratch is null ? q.GradSpan() : dqScratch.Span;
            Span<float> dk = dkScratch is null ? k.GradSpan() : dkScratch.Span;
            Span<float> dv = dvScratch is null ? v.GradSpan() : dvScratch.Span;
            AttentionKernel.Backward(q.Span, k.Span, v.Span, o.Span, lse.Span, dO.Span, dq, dk, dv, heads, queries, keys, headSize, causal, s, drop);
            foreach (Tensor? t in new[] { dqScratch, dkScratch, dvScratch }) if (t is not null) ReturnScratch(t);
        });
    }
}
