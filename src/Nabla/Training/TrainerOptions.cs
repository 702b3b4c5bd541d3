using Nabla.Optim;

namespace Nabla.Training;

/// <summary>How a <see cref="Trainer"/> runs: how long, how fast, how often it evaluates, logs and saves.</summary>
public sealed record TrainerOptions
{
    /// <summary>Optimizer steps in the whole run.</summary>
    public int MaxSteps { get; init; } = 1000;

    /// <summary>The learning rate at each step.</summary>
    public LearningRateSchedule Schedule { get; init; } = new LearningRateSchedule.Constant(1e-3f);

    /// <summary>Batches whose gradients are summed before each step: a large batch in the memory of a small one.</summary>
    public int GradientAccumulation { get; init; } = 1;

    /// <summary>Gradients are clipped to this global norm before each step; null turns clipping off (the norm is still logged).</summary>
    public float? ClipNorm { get; init; } = 1f;

    /// <summary>Evaluate (and save a checkpoint) every this many steps, and after the last step.</summary>
    public int EvalInterval { get; init; } = 250;

    /// <summary>Batches averaged for each evaluation's train and validation losses.</summary>
    public int EvalBatches { get; init; } = 20;

    /// <summary>Write a line to metrics.jsonl every this many steps.</summary>
    public int LogInterval { get; init; } = 10;

    /// <summary>The seed of the data order (and of <see cref="Tensors.Generator.Default"/>, which dropout draws from).</summary>
    public ulong Seed { get; init; } = 1337;

    internal void Validate()
    {
        if (MaxSteps < 0) throw new ArgumentException($"Trainer: MaxSteps must be ≥ 0, got {MaxSteps}");
        if (GradientAccumulation < 1) throw new ArgumentException($"Trainer: GradientAccumulation must be ≥ 1, got {GradientAccumulation}");
        if (ClipNorm is float c && !(c > 0f)) throw new ArgumentException($"Trainer: ClipNorm must be positive, got {c}");
        if (EvalInterval < 1) throw new ArgumentException($"Trainer: EvalInterval must be ≥ 1, got {EvalInterval}");
        if (EvalBatches < 1) throw new ArgumentException($"Trainer: EvalBatches must be ≥ 1, got {EvalBatches}");
        if (LogInterval < 1) throw new ArgumentException($"Trainer: LogInterval must be ≥ 1, got {LogInterval}");
    }
}
