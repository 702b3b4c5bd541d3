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
/// probabilities (nanoGPT's attn_dropout) happens inside it too, with a mask that forward and backward each
/// regenerate from one seed drawn from <see cref="AttnDropout"/>'s generator
/// (<see cref="Nabla.Kernels.AttentionDropout"/>).
/// </remarks>
public sealed class CausalSelfAttention : Module<Tensor, Tensor>
{
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
        Tensor qkv = CAttn.Forward(x);                                      // (B, T, 3C): one product projects q, k and v for every head
        float dropout = AttnDropout.IsTraining ? AttnDropout.P : 0f;
        Tensor y = Tensor.PackedCausalAttention(qkv, HeadCount, dropout: dropout, generator: AttnDropout.Generator); // (B, T, C), heads side by side
        return ResidDropout.Forward(CProj.Forward(y));                      // (B, T, C)
    }
}
