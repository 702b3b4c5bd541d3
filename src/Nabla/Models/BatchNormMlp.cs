using Nabla.NN;
using Nabla.Tensors;

namespace Nabla.Models;

/// <summary>
/// Makemore lecture 3's network: the MLP of <see cref="Mlp"/> started so that it trains from the first step,
/// with batch normalization (Ioffe and Szegedy 2015) between the hidden layer and its tanh.
/// <code>
/// emb    = C[X].view(B, −1)                  (B, block·n_embd)
/// h      = tanh(BatchNorm(emb @ W1))         (B, hidden)   no b1: BatchNorm subtracts the mean, its bias shifts
/// logits = h @ W2 + b2                       (B, vocab)
/// </code>
/// The initialization is the lecture's cure for its two problems: W1 is Kaiming normal with tanh's gain 5/3
/// (He et al. 2015), so pre-activations start near unit scale instead of saturating tanh; W2 is N(0, 0.01²)
/// and b2 zero, so the first logits are nearly equal and the first loss is ≈ ln 27 ≈ 3.30, not a confident
/// wrong guess. Evaluation normalizes with the running mean and variance, kept as the lecture keeps them.
/// </summary>
public sealed class BatchNormMlp : CharModel
{
    public Embedding Wte { get; }
    public Linear Hidden { get; }
    public BatchNorm1d Norm { get; }
    public Linear Output { get; }

    public BatchNormMlp(MakemoreConfig config, Generator generator) : base(config.VocabularySize, config.BlockSize)
    {
        Wte = Child("wte", new Embedding(config.VocabularySize, config.NEmbd, generator));
        Hidden = Child("hidden", new Linear(config.BlockSize * config.NEmbd, config.NEmbd2, bias: false, generator: generator));
        // The lecture's running statistics move by 0.001 a step: with batches of 32, PyTorch's 0.1 would
        // average only the last few hundred examples, and evaluation would see that noise.
        Norm = Child("norm", new BatchNorm1d(config.NEmbd2, momentum: 0.001f));
        Output = Child("output", new Linear(config.NEmbd2, config.VocabularySize, generator: generator));
        Init.KaimingNormal(Hidden.Weight, Nonlinearity.Tanh, generator);
        Init.Normal(Output.Weight, 0f, 0.01f, generator);
        Init.Zeros(Output.Bias!);
    }

    public override bool PredictsEveryPosition => false;

    public override Tensor Forward(Tensor x)
    {
        Tensor emb = Wte.Forward(x).Reshape(x.Size(0), -1);            // (B, block·n_embd)
        Tensor h = Norm.Forward(Hidden.Forward(emb)).Tanh();           // (B, hidden)
        return Output.Forward(h);                                      // (B, vocab)
    }
}
