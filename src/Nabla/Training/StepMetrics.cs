namespace Nabla.Training;

/// <summary>
/// What one logged step measured: one line of metrics.jsonl and one update of the progress display.
/// <see cref="Step"/> counts completed optimizer steps; the losses are mean negative log-likelihoods.
/// </summary>
public sealed record StepMetrics(
    int Step,
    float TrainLoss,
    float LearningRate,
    float GradNorm,
    double TokensPerSecond,
    double ElapsedSeconds)
{
    /// <summary>The validation loss, on steps that evaluated.</summary>
    public float? ValLoss { get; init; }

    /// <summary>The evaluation's mean train loss over fresh batches (less noisy than one batch's), on steps that evaluated.</summary>
    public float? EvalTrainLoss { get; init; }
}
