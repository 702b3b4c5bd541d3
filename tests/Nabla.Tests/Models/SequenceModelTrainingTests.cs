using Nabla.Data;
using Nabla.Models;
using Nabla.Optim;
using Nabla.Tests.Support;
using Nabla.Training;
using Xunit.Abstractions;
using Generator = Nabla.Tensors.Generator;

namespace Nabla.Tests.Models;

/// <summary>
/// CI-sized training of the Transformer and the RNN on names.txt with makemore's split, through the shared
/// Trainer and <see cref="MakemoreData"/>: a few hundred steps must take the test loss (the whole 1,000
/// held-out names) from about ln 27 ≈ 3.30 to below 2.35, well under a bigram table's ≈ 2.45, and the best
/// checkpoint must hold the model that scored it. The full runs are the makemore-seq benchmark suite.
/// </summary>
public class SequenceModelTrainingTests(ITestOutputHelper output)
{
    [SkippableTheory]
    [InlineData("transformer", 300, 2.35f)]
    [InlineData("rnn", 300, 2.35f)]
    public void AFewHundredStepsGoWellBelowABigramOnHeldOutNames(string type, int steps, float bound)
    {
        var words = Words.Load(TestData.Require("names.txt"));
        WordSplits splits = words.Split(WordSplit.Makemore, 3407);
        var config = new MakemoreConfig
        {
            VocabularySize = words.VocabularySize, BlockSize = words.MaxLength + 1, NEmbd = 64, NEmbd2 = 64, NLayer = 2, NHead = 4,
        };
        var model = (SequenceModel)MakemoreModels.Create(type, config, new Generator(3407));
        var data = new MakemoreData(words, splits, model, batchSize: 32);
        var optimizer = new AdamW(model.Parameters(), 3e-3f, 0.9f, 0.99f, 1e-8f, weightDecay: 0.01f);
        var options = new TrainerOptions
        {
            MaxSteps = steps, EvalInterval = 100, EvalBatches = 1, LogInterval = 100, Seed = 1,
            Schedule = new LearningRateSchedule.WarmupCosine(3e-3f, 3e-4f, 20, steps),
        };
        string root = Path.Combine(Path.GetTempPath(), $"nabla-seq-{type}-{Guid.NewGuid():N}");
        try
        {
            var run = new RunDirectory(root);
            var trainer = new Trainer(type, model, optimizer, data.Batch, model.Loss, options, run)
            {
                EvaluateSplit = split => data.Evaluate(model, split, maxExamples: 1000),
                OnStep = m => { if (m.ValLoss is float v) output.WriteLine($"{type} step {m.Step}: test loss {v:F4}"); },
            };
            float before = trainer.Evaluate(Split.Val);
            TrainingResult result = trainer.Run();
            output.WriteLine($"{type}: test loss {before:F4} before, best {result.BestValLoss:F4}");
            Assert.InRange(before, 3.0f, 3.8f);
            Assert.True(result.BestValLoss < bound, $"{type}: best test loss {result.BestValLoss:F4} after {steps} steps, expected < {bound}");

            Checkpoint.LoadModel(run.BestCheckpoint, type, model);
            Assert.Equal(result.BestValLoss, trainer.Evaluate(Split.Val), 4);
            string sample = string.Join(" ", model.Sample(5, config.BlockSize, new Generator(2)).Select(words.Decode));
            Assert.Matches("^[a-z ]*$", sample);
        }
        finally
        {
            if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        }
    }
}
