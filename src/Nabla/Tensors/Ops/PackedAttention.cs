using Nabla.Kernels;

namespace Nabla.Tensors;

/// <summary>
/// Causal self-attention read straight from a fused q|k|v projection: GPT-2's c_attn output (B, T, 3C),
/// whose last dimension holds q, k and v side by side, each the nh heads of size hs = C / nh side by side.
/// The result is (B, T, C) with the heads side by side, the input c_proj takes. It computes
/// <code>
/// q, k, v = qkv.split(C, dim=2);  heads = lambda z: z.view(B, T, nh, hs).transpose(1, 2)
/// y = scaled_dot_product_attention(heads(q), heads(k), heads(v), is_causal=True).transpose(1, 2).reshape(B, T, C)
/// </code>
/// in one operation: <see cref="AttentionKernel"/> reads each head in place through an
/// <see cref="AttentionLayout"/> and writes its output where it belongs, so none of the four copies that
/// the views would need (q, k and v made contiguous, o put back in token order) is made, nor, in
/// backward, the gradient buffers of every view along the way: the kernel adds dq, dk and dv straight
/// into qkv's gradient.
/// </summary>
public sealed partial class Tensor
{
    /// <summary>qkv (B, T, 3C) → causal multi-head attention (B, T, C) with <paramref name="heads"/> heads,
    /// scale 1/√hs unless given. <paramref name="dropout"/> &gt; 0 drops attention probabilities with that
    /// probability (pass 0 in evaluation, as PyTorch's dropout_p), with a mask chosen by one draw from
    /// <paramref name="generator"/> (default: <see cref="Generator.Default"/>).</summary>
    public static Tensor PackedCausalAttention(Tensor qkv, int heads, float? scale = null, float dropout = 0f, Generator? generator = null)
    {
        const string op = "PackedCausalAttention";
        qkv.RequireFloat(op);
        if (qkv.Rank != 3 || qkv.shape[2] % 3 != 0 || heads < 1 || qkv.shape[2] / 3 % heads != 0)
            throw new ArgumentException($"{op}: qkv {Shapes.Format(qkv.shape)} must be (B, T, 3C) with C a multiple of the {heads} heads");
        int B = qkv.shape[0], T = qkv.shape[1], C = qkv.shape[2] / 3, hs = C / heads;
        float s = scale ?? 1f / MathF.Sqrt(hs);
        if (!float.IsFinite(s)) throw new ArgumentException($"{op}: scale must be finite, got {s}");
        AttentionDropout drop = AttentionDropoutOf(op, dropout, generator);
        Tensor packed = qkv.Contiguous();
        Tensor o = Output([B, T, C]);
        if (o.Count == 0) return o;
        int n = B * heads;
        Tensor lse = Output([n * T]);
        // q, k and v: rows 3C apart, starting at columns 0, C and 2C; o: rows C apart.
        var inputLayout = AttentionLayout.Interleaved(T, heads, hs, 3 * C);
        var outputLayout = AttentionLayout.Interleaved(T, heads, hs, C);
        ReadOnlySpan<float> all = packed.Span;
        AttentionKernel.Forward(all, all[C..], all[(2 * C)..], o.Span, lse.Span, n, T, T, hs, causal: true, s, inputLayout, inputLayout, outputLayout, drop);
        return Record(op, o, [packed], dO =>
        {
            ReadOnlySpan<float> x = packed.Span;
            Span<float> dx = packed.GradSpan();
            AttentionKernel.Backward(x, x[C..], x[(2 * C)..], o.Span, lse.Span, dO.Span, dx, dx[C..], dx[(2 * C)..],
                n, T, T, hs, causal: true, s, inputLayout, inputLayout, outputLayout, drop);
        });
    }

    /// <summary>The mask of one call: none for p = 0, else p and a seed drawn now, which backward reuses.</summary>
    internal static AttentionDropout AttentionDropoutOf(string op, float p, Generator? generator)
    {
        if (!(p >= 0f && p < 1f)) throw new ArgumentException($"{op}: dropout must be in [0, 1), got {p}");
        return p == 0f ? AttentionDropout.None : new AttentionDropout(p, (generator ?? Generator.Default).NextUInt64());
    }
}
