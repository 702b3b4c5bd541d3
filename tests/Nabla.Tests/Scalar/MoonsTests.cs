using Nabla.Data;
using Nabla.Scalar;

namespace Nabla.Tests.Scalar;

public class MoonsTests
{
    [Fact]
    public void TwoMoonsIsSeededBalancedAndOnTheArcs()
    {
        TwoMoons a = TwoMoons.Generate(101, 0.1, seed: 3);
        TwoMoons b = TwoMoons.Generate(101, 0.1, seed: 3);
        TwoMoons c = TwoMoons.Generate(101, 0.1, seed: 4);
        Assert.Equal(a.X, b.X);
        Assert.Equal(a.Labels, b.Labels);
        Assert.NotEqual(a.X, c.X);
        Assert.Equal(50, a.Labels.Count(l => l == -1));
        Assert.Equal(51, a.Labels.Count(l => l == +1));

        // Without noise every point lies on its unit half circle: upper centred at (0, 0), lower at (1, 0.5).
        TwoMoons clean = TwoMoons.Generate(40, 0, seed: 1);
        for (int i = 0; i < clean.Count; i++)
        {
            bool upper = clean.Labels[i] < 0;
            double cx = upper ? 0 : 1, cy = upper ? 0 : 0.5;
            double radius = Math.Sqrt((clean.X[i] - cx) * (clean.X[i] - cx) + (clean.Y[i] - cy) * (clean.Y[i] - cy));
            Assert.Equal(1.0, radius, 9);
            Assert.True(upper ? clean.Y[i] >= -1e-12 : clean.Y[i] <= 0.5 + 1e-12);
        }
    }

    [Fact]
    public void NoiseHasTheRequestedSpread()
    {
        // Gaussian noise of standard deviation 0.2 moves each point off its unit arc by about N(0, 0.2²).
        TwoMoons noisy = TwoMoons.Generate(4000, 0.2, seed: 9);
        double[] deviations = [.. Enumerable.Range(0, noisy.Count).Select(i =>
        {
            bool upper = noisy.Labels[i] < 0;
            double dx = noisy.X[i] - (upper ? 0 : 1), dy = noisy.Y[i] - (upper ? 0 : 0.5);
            return Math.Sqrt(dx * dx + dy * dy) - 1;
        })];
        double std = Math.Sqrt(deviations.Select(d => d * d).Average());
        Assert.InRange(std, 0.17, 0.23);
    }

    [Fact]
    public void BadArgumentsAreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => TwoMoons.Generate(1, 0.1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => TwoMoons.Generate(10, -0.1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MoonsTraining(new MoonsOptions { Steps = 0 }));
    }

    [Fact]
    public void DefaultTrainingReachesFullAccuracy()
    {
        var training = new MoonsTraining();
        Assert.Equal(MoonsOptions.DefaultSeed, training.Options.Seed);
        var steps = new List<MoonsStep>();
        training.Train(steps.Add);

        Assert.Equal(100, steps.Count);
        Assert.Equal(1.0, steps[0].LearningRate);
        Assert.Equal(1.0 - 0.9 * 99 / 100, steps[^1].LearningRate, 12);
        Assert.True(steps[^1].Loss < steps[0].Loss / 10, $"loss {steps[0].Loss} -> {steps[^1].Loss}");
        Assert.Equal(1.0, training.Accuracy());
    }

    [Fact]
    public void TrainingIsDeterministic()
    {
        var first = new MoonsTraining(new MoonsOptions { Steps = 5, Points = 30 });
        var second = new MoonsTraining(new MoonsOptions { Steps = 5, Points = 30 });
        var a = new List<double>();
        var b = new List<double>();
        first.Train(s => a.Add(s.Loss));
        second.Train(s => b.Add(s.Loss));
        Assert.Equal(a, b);
    }

    [Fact]
    public void LossIsHingePlusL2()
    {
        var training = new MoonsTraining(new MoonsOptions { Points = 10 });
        var (loss, accuracy) = training.Loss();
        double hinge = 0;
        int correct = 0;
        for (int i = 0; i < 10; i++)
        {
            double score = training.Score(training.Data.X[i], training.Data.Y[i]);
            hinge += Math.Max(0, 1 - training.Data.Labels[i] * score);
            if (training.Data.Labels[i] > 0 == score > 0) correct++;
        }
        double l2 = 1e-4 * training.Model.Parameters().Sum(p => p.Data * p.Data);
        Assert.Equal(hinge / 10 + l2, loss.Data, 12);
        Assert.Equal(correct / 10.0, accuracy);
    }
}
