using Nabla.Data;

namespace Nabla.Models;

/// <summary>Which optimizer a recipe trains with.</summary>
public enum OptimizerKind { Sgd, AdamW }

/// <summary>
/// How a makemore model is trained: its sizes and the lecture's (or makemore.py's) training recipe. The
/// defaults of <see cref="For"/> are those that reach the lectures' losses; every field can be overridden.
/// </summary>
public sealed record MakemoreRecipe
{
    public required string Type { get; init; }
    public required MakemoreConfig Model { get; init; }
    public WordSplit Split { get; init; } = WordSplit.Lecture;
    public int BatchSize { get; init; } = 32;
    public int MaxSteps { get; init; } = 200_000;
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Sgd;
    public float LearningRate { get; init; } = 0.1f;
    /// <summary>SGD recipes divide the rate by 10 at this step (the lectures' decay); null keeps it constant.</summary>
    public int? DecayStep { get; init; } = 100_000;
    public float WeightDecay { get; init; }
    public int EvalInterval { get; init; } = 10_000;

    /// <summary>The recipe each model type is trained with by default, with the block size fitted to <paramref name="words"/>.</summary>
    public static MakemoreRecipe For(string type, Words words)
    {
        var model = new MakemoreConfig { VocabularySize = words.VocabularySize };
        // makemore.py's sequence models: the longest item and its stop token fit in one block.
        var sequence = new MakemoreRecipe
        {
            Type = type,
            Model = model with { BlockSize = words.MaxLength + 1, NEmbd = 64, NEmbd2 = 64, NLayer = 4, NHead = 4 },
            Split = WordSplit.Makemore,
            MaxSteps = 20_000,
            Optimizer = OptimizerKind.AdamW,
            LearningRate = 5e-4f,
            DecayStep = null,
            WeightDecay = 0.01f,
            EvalInterval = 500,
        };
        return type switch
        {
            "bigram" or "neural-bigram" => new MakemoreRecipe { Type = type, Model = model with { BlockSize = 1 }, MaxSteps = 200, LearningRate = 50f, DecayStep = null, EvalInterval = 50, BatchSize = 228_146 },
            "mlp" => new MakemoreRecipe { Type = type, Model = model with { BlockSize = 3, NEmbd = 10, NEmbd2 = 200 } },
            "bnmlp" => new MakemoreRecipe { Type = type, Model = model with { BlockSize = 3, NEmbd = 10, NEmbd2 = 200 } },
            "wavenet" => new MakemoreRecipe { Type = type, Model = model with { BlockSize = 8, NEmbd = 24, NEmbd2 = 128 }, DecayStep = 150_000 },
            _ => sequence,
        };
    }
}
