using Nabla.NN;
using Nabla.Tensors;

namespace Nabla.Models;

/// <summary>
/// The multilayer perceptron language model of Bengio et al. 2003, "A Neural Probabilistic Language Model",
/// as makemore lecture 2 builds it: each of the <c>BlockSize</c> previous characters is looked up in a table
/// C [vocab, n_embd], the vectors are concatenated, and one tanh hidden layer predicts the next character.
/// <code>
/// emb    = C[X]                          (B, block, n_embd)
/// h      = tanh(emb.view(B, −1) @ W1 + b1) (B, hidden)
/// logits = h @ W2 + b2                   (B, vocab)
/// </code>
/// The table starts N(0, 1) as the lecture's; the layers start as PyTorch's nn.Linear (U(±1/√fan_in)), which
/// keeps the first loss near −ln(1/27) ≈ 3.3 rather than the lecture's ≈ 27 from N(0, 1) weights.
/// </summary>
public sealed class Mlp : CharModel
{
    public Embedding Wte { get; }
    public Linear Hidden { get; }
    public Linear Output { get; }

    public Mlp(MakemoreConfig config, Generator generator) : base(config.VocabularySize, config.BlockSize)
    {
        Wte = Child("wte", new Embedding(config.VocabularySize, config.NEmbd, generator));
        Hidden = Child("hidden", new Linear(config.BlockSize * config.NEmbd, config.NEmbd2, generator: generator));
        Output = Child("output", new Linear(config.NEmbd2, config.VocabularySize, generator: generator));
    }

    public override bool PredictsEveryPosition => false;

    public override Tensor Forward(Tensor x)
    {
        Tensor emb = Wte.Forward(x);                                   // (B, block, n_embd)
        Tensor h = Hidden.Forward(emb.Reshape(x.Size(0), -1)).Tanh();  // (B, hidden): the characters side by side
        return Output.Forward(h);                                      // (B, vocab)
    }
}
