using System.Diagnostics;
using Nabla.NN;
using Nabla.Optim;
using Nabla.Tensors;

namespace Nabla.Training;

/// <summary>Which part of the data a batch comes from.</summary>
public enum Split { Train, Val }

/// <summary>How a run ended.</summary>
public sealed record TrainingResult(int Step, float LastTrainLoss, float BestValLoss, bool Interrupted);

/// <summary>
/// The training loop that every job shares:
/// <code>
/// for each step:  lr ← schedule(step)
///                 for each of the accumulated batches:  loss = model(x, y) / accumulation;  loss.Backward()
///                 clip the gradients' global norm;  optimizer.Step();  optimizer.ZeroGrad()
///                 log;  every EvalInterval steps: evaluate, sample, checkpoint (latest, and best)
/// </code>
/// The model is what <paramref name="loss"/> computes from a batch; <paramref name="batches"/> draws a batch of a
/// split from the generator it is given. Deterministic: the same seed and thread count give the same losses to
/// the last bit, and a run resumed from its latest checkpoint continues exactly as if it had not stopped (the
/// checkpoint holds the data generator's and <see cref="Generator.Default"/>'s states; evaluation draws from a
/// generator of its own, so how often a run evaluates does not change its training).
/// </summary>
public sealed class Trainer(
    string modelKind,
    Module model,
    Optimizer optimizer,
    Func<Split, Generator, (Tensor Inputs, Tensor Targets)> batches,
    Func<Tensor, Tensor, Tensor> loss,
    TrainerOptions options,
    RunDirectory run)
{
    /// <summary>Generates a sample for samples.txt after each evaluation (optional).</summary>
    public Func<Generator, string>? Sample { get; init; }

    /// <summary>Called after every step with its metrics (the progress display); ValLoss is set on evaluation steps.</summary>
    public Action<StepMetrics>? OnStep { get; init; }

    /// <summary>
    /// Computes a split's loss for evaluation, e.g. exactly over the whole split; when null, the mean over
    /// EvalBatches batches drawn from a generator of the evaluation's own.
    /// </summary>
    public Func<Split, float>? EvaluateSplit { get; init; }

    /// <summary>Called with a line worth showing (a checkpoint saved, a sample).</summary>
    public Action<string>? OnMessage { get; init; }

    /// <summary>
    /// Trains from the start, or from the latest checkpoint when <paramref name="resume"/>, until MaxSteps or until
    /// <paramref name="cancel"/> is signalled (Ctrl+C); then the latest checkpoint is saved and the run can resume.
    /// </summary>
    public TrainingResult Run(bool resume = false, CancellationToken cancel = default)
    {
        options.Validate();
        var data = new Generator(options.Seed);
        Generator.ManualSeed(options.Seed ^ 0x9E3779B97F4A7C15UL);
        int step = 0;
        float bestVal = float.PositiveInfinity, lastTrain = float.NaN;
        if (resume)
        {
            if (!File.Exists(run.LatestCheckpoint))
                throw new FileNotFoundException($"--resume: no checkpoint at {run.LatestCheckpoint}");
            TrainingState state = Checkpoint.Load(run.LatestCheckpoint, modelKind, model, optimizer);
            (step, bestVal) = (state.Step, state.BestValLoss);
            data.State = state.DataGenerator;
            Generator.Default.State = state.DefaultGenerator;
            RestoreModelGenerators(state.ModelGenerators);
            run.TruncateMetricsAfter(step);
            OnMessage?.Invoke($"resumed from {run.LatestCheckpoint} at step {step}");
        }

        model.Train();
        var clock = Stopwatch.StartNew();
        long tokens = 0;
        while (step < options.MaxSteps)
        {
            if (cancel.IsCancellationRequested)
            {
                SaveLatest(step, bestVal, data);
                OnMessage?.Invoke($"interrupted: saved {run.LatestCheckpoint} at step {step}");
                return new TrainingResult(step, lastTrain, bestVal, Interrupted: true);
            }

            float lr = options.Schedule.At(step);
            optimizer.LearningRate = lr;
            lastTrain = 0f;
            for (int micro = 0; micro < options.GradientAccumulation; micro++)
            {
                using var scope = new TensorScope();
                var (x, y) = batches(Split.Train, data);
                Tensor batchLoss = loss(x, y);
                lastTrain += batchLoss.Item() / options.GradientAccumulation;
                (options.GradientAccumulation == 1 ? batchLoss : batchLoss * (1f / options.GradientAccumulation)).Backward();
                tokens += y.Count;
            }
            float norm = options.ClipNorm is float max
                ? GradientClipping.ClipGradNorm(model.Parameters(), max)
                : GradientClipping.GlobalNorm(model.Parameters());
            optimizer.Step();
            optimizer.ZeroGrad();
            step++;

            double seconds = clock.Elapsed.TotalSeconds;
            var metrics = new StepMetrics(step, lastTrain, lr, norm, tokens / Math.Max(seconds, 1e-9), seconds);
            if (step % options.EvalInterval == 0 || step == options.MaxSteps)
            {
                float trainMean = Evaluate(Split.Train), valMean = Evaluate(Split.Val);
                metrics = metrics with { EvalTrainLoss = trainMean, ValLoss = valMean };
                if (Sample is not null) SampleAndSave(step);
                bool best = valMean < bestVal;
                if (best) bestVal = valMean;
                SaveLatest(step, bestVal, data);
                if (best) File.Copy(run.LatestCheckpoint, run.BestCheckpoint, overwrite: true);
                run.AppendMetrics(metrics);
            }
            else if (step % options.LogInterval == 0)
            {
                run.AppendMetrics(metrics);
            }
            OnStep?.Invoke(metrics);
        }
        return new TrainingResult(step, lastTrain, bestVal, Interrupted: false);
    }

    /// <summary>The loss on a split (see <see cref="EvaluateSplit"/>): by default the mean over EvalBatches batches, without a graph, in evaluation mode.</summary>
    public float Evaluate(Split split)
    {
        if (EvaluateSplit is not null) return EvaluateSplit(split);
        // Its own generator, the same batches at every evaluation: comparable numbers, and training's stream untouched.
        var generator = new Generator(options.Seed + (split == Split.Val ? 1UL : 2UL));
        double sum = 0;
        model.Eval();
        using (Tensor.NoGrad())
            for (int i = 0; i < options.EvalBatches; i++)
            {
                using var scope = new TensorScope();
                var (x, y) = batches(split, generator);
                sum += loss(x, y).Item();
            }
        model.Train();
        return (float)(sum / options.EvalBatches);
    }

    private void SampleAndSave(int step)
    {
        model.Eval();
        string text;
        using (Tensor.NoGrad()) text = Sample!(new Generator(options.Seed + 3UL));
        model.Train();
        run.AppendSample(step, text);
        OnMessage?.Invoke(text);
    }

    private void SaveLatest(int step, float bestVal, Generator data) =>
        Checkpoint.Save(run.LatestCheckpoint, modelKind, model, optimizer,
            new TrainingState(step, bestVal, data.State, Generator.Default.State, ModelGenerators().Select(g => g.State).ToList()));

    /// <summary>The generators the model's dropout layers were given (each once, in module order); most models have none and draw from the default.</summary>
    private List<Generator> ModelGenerators() =>
        model.NamedModules().Select(m => m.Module).OfType<Dropout>().Select(d => d.Generator).OfType<Generator>().Distinct().ToList();

    private void RestoreModelGenerators(IReadOnlyList<GeneratorState> states)
    {
        List<Generator> generators = ModelGenerators();
        if (states.Count != generators.Count)
            throw new InvalidDataException($"{run.LatestCheckpoint}: it holds {states.Count} model generator states, the model has {generators.Count} (a checkpoint of another model?)");
        for (int i = 0; i < states.Count; i++) generators[i].State = states[i];
    }
}
