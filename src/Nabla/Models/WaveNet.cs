using Nabla.NN;
using Nabla.Tensors;

namespace Nabla.Models;

/// <summary>
/// Makemore lecture 5's hierarchical model, after WaveNet (van den Oord et al. 2016): instead of crushing the
/// whole context into one layer, characters are fused two at a time, then pairs of pairs, and so on, a tree
/// of depth log₂(block), each level Linear → BatchNorm → tanh. With the lecture's sizes (block 8, n_embd 24,
/// hidden 128) it has 76,579 parameters:
/// <code>
/// Embedding(27, 24)                                   (B, 8, 24)
/// FlattenConsecutive(2)  Linear(48, 128)  BN  tanh    (B, 4, 128)
/// FlattenConsecutive(2)  Linear(256, 128) BN  tanh    (B, 2, 128)
/// FlattenConsecutive(2)  Linear(256, 128) BN  tanh    (B, 128)
/// Linear(128, 27)                                     (B, 27)
/// </code>
/// The linear layers before BatchNorm have no bias (BatchNorm's own bias takes its place). As in the lecture,
/// linear weights start N(0, 1/fan_in), the last layer's bias at zero and its weight scaled by 0.1, so the
/// first predictions are nearly uniform.
/// </summary>
public sealed class WaveNet : CharModel
{
    /// <summary>The lecture's sizes: 8 characters of context, embeddings of 24, hidden layers of 128.</summary>
    public static MakemoreConfig LectureConfig { get; } = new() { BlockSize = 8, NEmbd = 24, NEmbd2 = 128 };

    public Sequential Layers { get; }

    public WaveNet(MakemoreConfig config, Generator generator) : base(config.VocabularySize, config.BlockSize)
    {
        int block = config.BlockSize, hidden = config.NEmbd2;
        if (block < 2 || (block & (block - 1)) != 0)
            throw new ArgumentException($"WaveNet: block size must be a power of 2 (pairs are fused level by level), got {block}");
        var layers = new List<Module<Tensor, Tensor>> { new Embedding(config.VocabularySize, config.NEmbd, generator) };
        for (int width = config.NEmbd; block > 1; block /= 2, width = hidden)
        {
            var linear = new Linear(2 * width, hidden, bias: false, generator: generator);
            Init.KaimingNormal(linear.Weight, Nonlinearity.Linear, generator);
            layers.AddRange([new FlattenConsecutive(2), linear, new BatchNorm1d(hidden), new Tanh()]);
        }
        var output = new Linear(hidden, config.VocabularySize, generator: generator);
        Init.Normal(output.Weight, 0f, 0.1f / MathF.Sqrt(hidden), generator);   // N(0, 1/fan_in) · 0.1
        Init.Zeros(output.Bias!);
        layers.Add(output);
        Layers = Child("layers", new Sequential([.. layers]));
    }

    public override bool PredictsEveryPosition => false;

    /// <summary>X (B, block) int32 → logits (B, vocab).</summary>
    public override Tensor Forward(Tensor x) => Layers.Forward(x);
}
