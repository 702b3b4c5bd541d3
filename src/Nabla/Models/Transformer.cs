using Nabla.NN;
using Nabla.Tensors;

namespace Nabla.Models;

/// <summary>
/// makemore.py's Transformer, the decoder of GPT-2 (Radford et al. 2019; Vaswani et al. 2017): token and
/// position embeddings, n_layer pre-norm blocks, a final LayerNorm and a linear head without bias.
/// <code>
/// x = wte[idx] + wpe[0..T)
/// n_layer times:  x = x + attn(ln_1(x));   x = x + mlp(ln_2(x))     mlp: C → 4C → GELU (tanh form) → C
/// logits = lm_head(ln_f(x))
/// </code>
/// Names are makemore.py's (<c>transformer.h.0.attn.c_attn.weight</c>, <c>lm_head.weight</c>), so its state
/// dicts load by name. Dropout (nanoGPT's places: after the embeddings, on the attention weights, on each
/// residual branch) is 0 in makemore.py and set by <see cref="MakemoreConfig.Dropout"/> here.
/// </summary>
public sealed class Transformer : SequenceModel
{
    private readonly Trunk trunk;

    public Linear LmHead { get; }
    public Embedding Wte => trunk.Wte;
    public Embedding Wpe => trunk.Wpe;
    public IReadOnlyList<Block> Blocks => trunk.H.Layers.Cast<Block>().ToList();
    public LayerNorm LnF => trunk.LnF;

    public Transformer(MakemoreConfig config, Generator generator) : base(config.VocabularySize, config.BlockSize)
    {
        trunk = Child("transformer", new Trunk(config, generator));
        LmHead = Child("lm_head", new Linear(config.NEmbd, config.VocabularySize, bias: false, generator));
    }

    protected override Tensor Logits(Tensor idx)
    {
        Tensor pos = Tensor.ArangeInt(idx.Size(1));                        // (T)
        Tensor x = trunk.Wte.Forward(idx) + trunk.Wpe.Forward(pos);       // (B, T, C) + (T, C) → (B, T, C)
        x = trunk.Drop.Forward(x);                                         // (B, T, C)
        x = trunk.H.Forward(x);                                            // (B, T, C) through n_layer blocks
        x = trunk.LnF.Forward(x);                                          // (B, T, C)
        return LmHead.Forward(x);                                          // (B, T, C) → (B, T, vocab)
    }

    /// <summary>makemore.py's <c>transformer</c> ModuleDict: what sits under the head.</summary>
    private sealed class Trunk : Module
    {
        public Embedding Wte { get; }
        public Embedding Wpe { get; }
        public Dropout Drop { get; }
        public Sequential H { get; }
        public LayerNorm LnF { get; }

        public Trunk(MakemoreConfig config, Generator generator)
        {
            Wte = Child("wte", new Embedding(config.VocabularySize, config.NEmbd, generator));
            Wpe = Child("wpe", new Embedding(config.BlockSize, config.NEmbd, generator));
            Drop = Child("drop", new Dropout(config.Dropout, generator));
            H = Child("h", new Sequential([.. Enumerable.Range(0, config.NLayer).Select(_ => new Block(config, generator))]));
            LnF = Child("ln_f", new LayerNorm(config.NEmbd));
        }
    }

    /// <summary>One pre-norm block: attention mixes positions, the MLP works on each position alone.</summary>
    public sealed class Block : Module<Tensor, Tensor>
    {
        public LayerNorm Ln1 { get; }
        public CausalSelfAttention Attn { get; }
        public LayerNorm Ln2 { get; }
        public FeedForward Mlp { get; }

        public Block(MakemoreConfig config, Generator generator)
        {
            int C = config.NEmbd;
            Ln1 = Child("ln_1", new LayerNorm(C));
            Attn = Child("attn", new CausalSelfAttention(C, config.NHead, config.Dropout, generator: generator));
            Ln2 = Child("ln_2", new LayerNorm(C));
            Mlp = Child("mlp", new FeedForward(C, 4 * C, new Gelu(GeluApproximation.Tanh), config.Dropout, generator));
        }

        public override Tensor Forward(Tensor x)
        {
            x = x + Attn.Forward(Ln1.Forward(x));       // (B, T, C): each position reads the ones before it
            return x + Mlp.Forward(Ln2.Forward(x));     // (B, T, C) → (B, T, 4C) → (B, T, C), position by position
        }
    }
}
