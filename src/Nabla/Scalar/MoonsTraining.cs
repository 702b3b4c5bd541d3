using Nabla.Data;

namespace Nabla.Scalar;

/// <summary>The settings of micrograd's demo: 100 moons with noise 0.1, MLP 2-16-16-1, hinge loss with
/// L2 regularization 1e-4, 100 full-batch SGD steps with the learning rate going linearly from 1.0 to 0.1.</summary>
public sealed record MoonsOptions
{
    /// <summary>micrograd's demo seeds its generators with 1337; so does Nabla, not tuned to any result.</summary>
    public const int DefaultSeed = 1337;

    public int Points { get; init; } = 100;
    public int Steps { get; init; } = 100;
    /// <summary>Seeds the dataset; the initial weights use <c>Seed + 1</c>.</summary>
    public int Seed { get; init; } = DefaultSeed;
    public double Noise { get; init; } = 0.1;
    public IReadOnlyList<int> LayerSizes { get; init; } = [16, 16, 1];
    public double L2 { get; init; } = 1e-4;
    public double StartLearningRate { get; init; } = 1.0;
    public double EndLearningRate { get; init; } = 0.1;
}

/// <summary>What one training step saw: the loss and accuracy of the forward pass before its update.</summary>
public readonly record struct MoonsStep(int Step, double Loss, double Accuracy, double LearningRate);

/// <summary>
/// micrograd's demo as a reusable routine (the CLI, the tests and the benchmark all call it): a binary
/// classifier trained on two moons with a max-margin loss, full batch, plain SGD.
/// </summary>
public sealed class MoonsTraining
{
    private readonly Value[][] _inputs; // one pair of input leaves per point, made once

    public MoonsTraining(MoonsOptions? options = null)
    {
        Options = options ?? new MoonsOptions();
        if (Options.Steps < 1) throw new ArgumentOutOfRangeException(nameof(options), Options.Steps, "MoonsTraining: steps must be at least 1");
        Data = TwoMoons.Generate(Options.Points, Options.Noise, Options.Seed);
        Model = new MLP(2, Options.LayerSizes, unchecked(Options.Seed + 1));
        _inputs = new Value[Data.Count][];
        for (int i = 0; i < Data.Count; i++) _inputs[i] = [new Value(Data.X[i], "x"), new Value(Data.Y[i], "y")];
    }

    public MoonsOptions Options { get; }
    public TwoMoons Data { get; }
    public MLP Model { get; }

    /// <summary>
    /// The loss over the whole dataset, and the accuracy of the scores it saw:
    /// mean over points of max(0, 1 - yᵢ·scoreᵢ) (the SVM's max-margin loss: a point costs nothing once
    /// it is on the right side with margin 1), plus L2 · Σ p² over the parameters.
    /// </summary>
    public (Value Loss, double Accuracy) Loss()
    {
        Value dataLoss = new(0);
        int correct = 0;
        for (int i = 0; i < _inputs.Length; i++)
        {
            double label = Data.Labels[i];
            Value score = Model.Forward(_inputs[i])[0];
            dataLoss += (1 - label * score).Relu();
            if (label > 0 == score.Data > 0) correct++;
        }
        dataLoss *= 1.0 / _inputs.Length;

        Value sumOfSquares = new(0);
        foreach (Value p in Model.Parameters()) sumOfSquares += p * p;
        return (dataLoss + Options.L2 * sumOfSquares, (double)correct / _inputs.Length);
    }

    /// <summary>The learning rate of step <paramref name="step"/> (0-based): linear from start to end.</summary>
    public double LearningRate(int step) =>
        Options.StartLearningRate - (Options.StartLearningRate - Options.EndLearningRate) * step / Options.Steps;

    /// <summary>One step of full-batch SGD: forward, zero the gradients, backward, update.</summary>
    public MoonsStep Step(int step)
    {
        // Each step builds a fresh graph of ~66,000 values (~5.8 MB) and drops the previous one. Left to
        // itself the garbage collector runs when its budget fills, usually in the middle of a step, and
        // then copies the half-built live graph into an older generation, which is collected again
        // later. Collecting the youngest generation here, where the old graph is all garbage and little
        // is alive, is cheaper (measured by `nabla`'s micrograd benchmark: see docs/micrograd.md).
        GC.Collect(0, GCCollectionMode.Forced, blocking: true);
        var (loss, accuracy) = Loss();
        Model.ZeroGrad();
        loss.Backward();
        double learningRate = LearningRate(step);
        foreach (Value p in Model.Parameters()) p.Data -= learningRate * p.Grad;
        return new MoonsStep(step, loss.Data, accuracy, learningRate);
    }

    /// <summary>Runs <see cref="MoonsOptions.Steps"/> steps, telling <paramref name="onStep"/> after each.</summary>
    public void Train(Action<MoonsStep>? onStep = null)
    {
        for (int step = 0; step < Options.Steps; step++)
        {
            MoonsStep result = Step(step);
            onStep?.Invoke(result);
        }
    }

    /// <summary>The fraction of points the model puts on the right side now.</summary>
    public double Accuracy()
    {
        int correct = 0;
        for (int i = 0; i < Data.Count; i++)
            if (Data.Labels[i] > 0 == Score(Data.X[i], Data.Y[i]) > 0) correct++;
        return (double)correct / Data.Count;
    }

    /// <summary>The model's score at a point of the plane (positive: the +1 moon).</summary>
    public double Score(double x, double y) => Model.Forward(x, y)[0].Data;
}
