using Nabla.Tensors;

namespace Nabla.NN;

/// <summary>
/// Multi-head causal self-attention (Vaswani et al. 2017, "Attention Is All You Need", §3.2), as in GPT-2
/// and nanoGPT's model.py: each position t of a sequence (B, T, C) attends to positions 0..t only,
/// <code>
/// Attention(Q, K, V) = softmax(Q Kᵀ / √d + M) V,   M[t, s] = −∞ for s > t, else 0
/// </code>
/// with n_head heads of size d = C / n_head side by side. Parameter names are GPT-2's: <c>c_attn</c>, one
/// Linear C → 3C that projects q, k and v together, and <c>c_proj</c>, the output projection C → C.
/// </summary>
/// <remarks>
/// The attention itself is one fused operation, <see cref="Tensor.PackedCausalAttention"/>, which reads the
/// heads of q, k and v in place from c_attn's output and writes them side by side for c_proj: no (T, T)
/// score matrix or mask is made, forward or backward, and no head is copied. Dropout on the attention
/// probabilities needs them, so while training with <c>attn_dropout</c> p &gt; 0 the probabilities are
/// computed explicitly instead, under a causal mask that is not a buffer (it is not state, and GPT-2
/// checkpoints that carry one as attn.bias drop it on load): it is built once, for the longest sequence
/// seen so far, and every call takes a view of its top-left T × T corner.
/// </remarks>
public sealed class CausalSelfAttention : Module<Tensor, Tensor>
{
    private Tensor? future;   // [L, L], 1 where s > t: the positions each row may not see

    public int EmbeddingSize { get; }
    public int HeadCount { get; }
    public Linear CAttn { get; }
    public Linear CProj { get; }
    public Dropout AttnDropout { get; }
    public Dropout ResidDropout { get; }

    public CausalSelfAttention(int embeddingSize, int headCount, float dropout = 0f, bool bias = true, Generator? generator = null)
    {
        if (headCount <= 0 || embeddingSize <= 0 || embeddingSize % headCount != 0)
            throw new ArgumentException($"CausalSelfAttention: embedding size {embeddingSize} must be a positive multiple of the head count {headCount}");
        EmbeddingSize = embeddingSize;
        HeadCount = headCount;
        CAttn = Child("c_attn", new Linear(embeddingSize, 3 * embeddingSize, bias, generator));
        CProj = Child("c_proj", new Linear(embeddingSize, embeddingSize, bias, generator));
        AttnDropout = Child("attn_dropout", new Dropout(dropout, generator));
        ResidDropout = Child("resid_dropout", new Dropout(dropout, generator));
    }

    public override Tensor Forward(Tensor x)
    {
        if (x.Rank != 3 || x.Size(2) != EmbeddingSize)
            throw new ArgumentException($"CausalSelfAttention(C = {EmbeddingSize}): input {Shapes.Format(x.Shape)} must be (B, T, {EmbeddingSize})");
        int B = x.Size(0), T = x.Size(1), C = EmbeddingSize, nh = HeadCount, hs = C / nh;

        // One product projects q, k and v for every head.
        Tensor qkv = CAttn.Forward(x);                                      // (B, T, 3C)
        Tensor y;
        if (AttnDropout.IsTraining && AttnDropout.P > 0f)
        {
            Tensor heads = qkv.View(B, T, 3, nh, hs).Permute(2, 0, 3, 1, 4); // (3, B, nh, T, hs), a view
            y = DroppedAttention(heads.Select(0, 0), heads.Select(0, 1), heads.Select(0, 2), T, hs) // (B, nh, T, hs)
                .Transpose(1, 2).Reshape(B, T, C);                          // (B, T, nh, hs) → (B, T, C): heads side by side
        }
        else y = Tensor.PackedCausalAttention(qkv, nh);                     // (B, T, C), fused, read and written in place
        return ResidDropout.Forward(CProj.Forward(y));                      // (B, T, C)
    }

    /// <summary>softmax(q kᵀ / √hs + M) with dropout on the probabilities, then times v: the (T, T) matrices made.</summary>
    private Tensor DroppedAttention(Tensor q, Tensor k, Tensor v, int T, int hs)
    {
        Tensor att = q.MatMul(k.Transpose(-2, -1)) * (1f / MathF.Sqrt(hs)); // (B, nh, T, hs) @ (B, nh, hs, T) → (B, nh, T, T)
        att = att.MaskedFill(FutureMask(T), float.NegativeInfinity);       // (B, nh, T, T), −∞ above the diagonal
        att = AttnDropout.Forward(att.Softmax(-1));                         // (B, nh, T, T), each row sums to 1 before dropout
        return att.MatMul(v);                                               // (B, nh, T, T) @ (B, nh, T, hs) → (B, nh, T, hs)
    }

    /// <summary>A [T, T] view with 1 where column s > row t, cut from a mask that grows only when T does.</summary>
    private Tensor FutureMask(int T)
    {
        if (future is null || future.Size(0) < T)
        {
            // Made with a creation function, not an op, so no TensorScope reclaims it between calls.
            var above = new float[T * T];
            for (int t = 0; t < T; t++)
                for (int s = t + 1; s < T; s++) above[t * T + s] = 1f;
            future = Tensor.FromArray(above, T, T);
        }
        return future.Narrow(0, 0, T).Narrow(1, 0, T);
    }
}
