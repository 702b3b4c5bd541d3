using Nabla.NN;
using Nabla.Tensors;

namespace Nabla.Models;

/// <summary>
/// The sizes of a GPT. GPT-2 small is <c>new GptConfig(1024, 50257, 12, 12, 768)</c>; nanoGPT's character-level
/// Shakespeare model is <c>new GptConfig(256, 65, 6, 6, 384, Dropout: 0.2f, Bias: false)</c>.
/// </summary>
/// <param name="BlockSize">Longest context, in tokens (the rows of the position embedding).</param>
/// <param name="VocabSize">Tokens of the vocabulary (the rows of the token embedding and the columns of the logits).</param>
/// <param name="NLayer">Transformer blocks.</param>
/// <param name="NHead">Attention heads per block; <paramref name="NEmbd"/> must be a multiple of it.</param>
/// <param name="NEmbd">Width of the residual stream.</param>
/// <param name="Dropout">Dropout probability after the embeddings, in attention and on each residual branch.</param>
/// <param name="Bias">Biases in the Linear layers and LayerNorms (GPT-2 has them; nanoGPT trains without: a little better and faster).</param>
/// <param name="Gelu">The MLP's GELU: exact (nanoGPT's nn.GELU) or GPT-2's tanh approximation.</param>
public sealed record GptConfig(int BlockSize, int VocabSize, int NLayer, int NHead, int NEmbd,
    float Dropout = 0f, bool Bias = true, GeluApproximation Gelu = GeluApproximation.None)
{
    /// <summary>Throws, naming the field, when a size is not positive or the heads do not divide the width.</summary>
    public GptConfig Validate()
    {
        foreach (var (name, value) in new[] { ("block_size", BlockSize), ("vocab_size", VocabSize), ("n_layer", NLayer), ("n_head", NHead), ("n_embd", NEmbd) })
            if (value < 1) throw new ArgumentException($"GptConfig: {name} must be ≥ 1, got {value}");
        if (NEmbd % NHead != 0) throw new ArgumentException($"GptConfig: n_embd {NEmbd} must be a multiple of n_head {NHead}");
        if (!(Dropout >= 0f && Dropout < 1f)) throw new ArgumentException($"GptConfig: dropout must be in [0, 1), got {Dropout}");
        return this;
    }
}

/// <summary>
/// GPT (Radford et al. 2018, 2019), as nanoGPT's model.py: token and position embeddings, a stack of pre-norm
/// Transformer blocks (Vaswani et al. 2017) and a final LayerNorm, read out by a language-model head that is
/// the token embedding itself (weight tying, Press and Wolf 2017). Parameter names are Hugging Face GPT-2's
/// (<c>transformer.h.0.attn.c_attn.weight</c>); the tied head is one tensor, registered once as
/// <c>transformer.wte.weight</c>, so the state dict holds no <c>lm_head.weight</c> (as GPT-2's safetensors file).
/// Linear weights are [out, in]; Hugging Face's Conv1D stores four of them transposed. Generation, with a
/// cache of keys and values, is in GptGeneration.cs.
/// </summary>
public sealed partial class Gpt : Module<Tensor, Tensor>
{
    public GptConfig Config { get; }
    internal GptTransformer Transformer { get; }

    public Gpt(GptConfig config, Generator? generator = null)
    {
        Config = config.Validate();
        Generator g = generator ?? Generator.Default;
        Transformer = Child("transformer", new GptTransformer(config, g));

        // nanoGPT's initialization: every weight N(0, 0.02), biases 0, and the projections that write into the
        // residual stream (attn.c_proj, mlp.c_proj) scaled down by √(2 · n_layer), as GPT-2.
        foreach (var (name, p) in NamedParameters())
        {
            if (name.EndsWith(".bias", StringComparison.Ordinal)) { Init.Zeros(p); continue; }
            if (p.Rank == 1) continue;   // LayerNorm weights stay 1
            float std = name.EndsWith("c_proj.weight", StringComparison.Ordinal) ? Init.ResidualStd(0.02f, config.NLayer) : 0.02f;
            Init.Normal(p, 0f, std, g);
        }
    }

    /// <summary>The tied head's weight: the token embedding [V, C].</summary>
    public Tensor LmHeadWeight => Transformer.Wte.Weight;

    /// <summary>Parameters without the position embedding (nanoGPT's count: the token embedding is also the head, so it stays).</summary>
    public long NonEmbeddingParameterCount() => ParameterCount() - Transformer.Wpe.Weight.Count;

    /// <summary>idx (B, T) int32, T ≤ BlockSize → logits (B, T, V) at every position.</summary>
    public override Tensor Forward(Tensor idx) => Head(Hidden(idx));

    /// <summary>Logits (B, T, V) and the mean cross-entropy of predicting <paramref name="targets"/> (B, T) from them.</summary>
    public (Tensor Logits, Tensor Loss) Forward(Tensor idx, Tensor targets)
    {
        if (!targets.Shape.SequenceEqual(idx.Shape))
            throw new ArgumentException($"Gpt: targets {Shapes.Format(targets.Shape)} must have the shape of idx {Shapes.Format(idx.Shape)}");
        Tensor logits = Forward(idx);                                       // (B, T, V)
        int B = idx.Size(0), T = idx.Size(1), V = Config.VocabSize;
        Tensor loss = logits.Reshape(B * T, V).CrossEntropy(targets.Reshape(B * T)); // (B·T, V), (B·T) → ()
        return (logits, loss);
    }

    /// <summary>The loss alone, for the training loop.</summary>
    public Tensor Loss(Tensor idx, Tensor targets) => Forward(idx, targets).Loss;

    /// <summary>idx (B, T) → logits (B, V) of the token after the last: the head runs on the last position only.</summary>
    public Tensor LastLogits(Tensor idx)
    {
        Tensor x = Hidden(idx);                                             // (B, T, C)
        return Head(x.Select(1, x.Size(1) - 1));                            // (B, C) → (B, V)
    }

    /// <summary>The residual stream after the final LayerNorm: idx (B, T) → (B, T, C).</summary>
    private Tensor Hidden(Tensor idx)
    {
        if (idx.DType != DType.Int32 || idx.Rank != 2)
            throw new ArgumentException($"Gpt: idx must be int32 (B, T), got {idx.DType} {Shapes.Format(idx.Shape)}");
        int T = idx.Size(1);
        if (T < 1 || T > Config.BlockSize)
            throw new ArgumentException($"Gpt: sequence of length {T} does not fit the block size {Config.BlockSize}");
        GptTransformer t = Transformer;
        Tensor tok = t.Wte.Forward(idx);                                    // (B, T, C)
        Tensor pos = t.Wpe.Forward(Tensor.ArangeInt(T));                    // (T, C)
        Tensor x = t.Drop.Forward(tok + pos);                               // (B, T, C)
        x = t.H.Forward(x);                                                 // (B, T, C) through n_layer blocks
        return t.LnF.Forward(x);                                            // (B, T, C)
    }

    /// <summary>The tied head: (…, C) @ (C, V) → (…, V).</summary>
    internal Tensor Head(Tensor x) => x.MatMul(LmHeadWeight.T);
}

/// <summary>GPT-2's <c>transformer</c>: the embeddings, the blocks <c>h.0 … h.{n−1}</c> and <c>ln_f</c>.</summary>
internal sealed class GptTransformer : Module
{
    public Embedding Wte { get; }
    public Embedding Wpe { get; }
    public Dropout Drop { get; }
    public Sequential H { get; }
    public LayerNorm LnF { get; }

    public GptTransformer(GptConfig config, Generator g)
    {
        Wte = Child("wte", new Embedding(config.VocabSize, config.NEmbd, g));
        Wpe = Child("wpe", new Embedding(config.BlockSize, config.NEmbd, g));
        Drop = Child("drop", new Dropout(config.Dropout, g));
        H = Child("h", new Sequential());
        for (int i = 0; i < config.NLayer; i++) H.Add(new GptBlock(config, g));
        LnF = Child("ln_f", new LayerNorm(config.NEmbd, config.Bias));
    }

    public IEnumerable<GptBlock> Blocks => H.Layers.Cast<GptBlock>();
}

/// <summary>A pre-norm Transformer block: x + attn(ln_1(x)), then x + mlp(ln_2(x)).</summary>
internal sealed class GptBlock : Module<Tensor, Tensor>
{
    public LayerNorm Ln1 { get; }
    public CausalSelfAttention Attn { get; }
    public LayerNorm Ln2 { get; }
    public GptMlp Mlp { get; }

    public GptBlock(GptConfig config, Generator g)
    {
        Ln1 = Child("ln_1", new LayerNorm(config.NEmbd, config.Bias));
        Attn = Child("attn", new CausalSelfAttention(config.NEmbd, config.NHead, config.Dropout, config.Bias, g));
        Ln2 = Child("ln_2", new LayerNorm(config.NEmbd, config.Bias));
        Mlp = Child("mlp", new GptMlp(config, g));
    }

    public override Tensor Forward(Tensor x)
    {
        x = x + Attn.Forward(Ln1.Forward(x));                              // (B, T, C): tokens talk to each other
        return x + Mlp.Forward(Ln2.Forward(x));                            // (B, T, C): each token thinks alone
    }
}

/// <summary>The block's feed-forward network: C → 4C, GELU, 4C → C, dropout.</summary>
internal sealed class GptMlp : Module<Tensor, Tensor>
{
    public Linear CFc { get; }
    public Gelu Gelu { get; }
    public Linear CProj { get; }
    public Dropout Dropout { get; }

    public GptMlp(GptConfig config, Generator g)
    {
        CFc = Child("c_fc", new Linear(config.NEmbd, 4 * config.NEmbd, config.Bias, g));
        Gelu = Child("gelu", new Gelu(config.Gelu));
        CProj = Child("c_proj", new Linear(4 * config.NEmbd, config.NEmbd, config.Bias, g));
        Dropout = Child("dropout", new Dropout(config.Dropout, g));
    }

    public override Tensor Forward(Tensor x)
    {
        Tensor h = Gelu.Forward(CFc.Forward(x));                            // (B, T, 4C)
        return Dropout.Forward(CProj.Forward(h));                           // (B, T, C)
    }
}
