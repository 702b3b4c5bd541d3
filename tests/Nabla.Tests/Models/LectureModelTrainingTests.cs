using Nabla.Data;
using Nabla.Models;
using Nabla.Optim;
using Nabla.Tensors;
using Nabla.Tests.Support;

namespace Nabla.Tests.Models;

/// <summary>
/// CI-sized versions of the lectures' runs on names.txt: a few thousand steps of the lectures' loop (the quality
/// runs take 200,000; benchmarks/ makemore-quality), with bounds an untrained or broken model would miss (uniform
/// guessing is ln 27 ≈ 3.30, the bigram counts model 2.45) and that a model learning as the lectures show meets.
/// </summary>
public class LectureModelTrainingTests
{
    [SkippableTheory]
    [InlineData("mlp", 3_000, 2.45f)]
    [InlineData("bnmlp", 3_000, 2.42f)]
    [InlineData("wavenet", 2_000, 2.35f)]
    public void ShortRunOnTheLectureSplitBeatsTheBigramModel(string type, int steps, float devBound)
    {
        var words = Words.Load(TestData.Require("names.txt"));
        WordSplits split = words.Split(WordSplit.Lecture);
        MakemoreConfig config = type == "wavenet" ? WaveNet.LectureConfig : new MakemoreConfig();
        var (xtr, ytr) = words.Contexts(split.Train, config.BlockSize);
        var (xdev, ydev) = words.Contexts(split.Val, config.BlockSize);
        var generator = new Generator(2147483647);
        CharModel model = MakemoreModels.Create(type, config, generator);

        float before = ContextTraining.Loss(model, xdev, ydev);
        float[] losses = ContextTraining.Train(model, xtr, ytr, steps, new LearningRateSchedule.Constant(0.1f), generator);
        float train = ContextTraining.Loss(model, xtr, ytr), dev = ContextTraining.Loss(model, xdev, ydev);

        Assert.Equal(steps, losses.Length);
        Assert.InRange(before, 3.0f, 3.6f);
        Console.WriteLine($"{type}: {steps} steps: train {train:F4} dev {dev:F4}");
        Assert.True(dev < devBound, $"{type}: dev loss {dev:F4} after {steps} steps, expected below {devBound}");
        Assert.True(Math.Abs(train - dev) < 0.1f, $"{type}: train {train:F4} and dev {dev:F4} should be close this early (no overfitting yet)");
        // The model is left in training mode, as it was.
        Assert.True(model.IsTraining);
    }

    [Fact]
    public void TrainingRejectsExamplesOfTheWrongShape()
    {
        CharModel model = new Mlp(new MakemoreConfig(), new Generator(1));
        Tensor x = Tensor.Zeros(10, 4).ToInt32(), y = Tensor.Zeros(10).ToInt32();
        var error = Assert.Throws<ArgumentException>(() => ContextTraining.Loss(model, x, y));
        Assert.Contains("expected X (N, 3) and Y (N)", error.Message);
        Assert.Contains("got X [10,4]", error.Message);
    }
}
