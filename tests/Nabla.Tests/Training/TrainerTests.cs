using System.Text.Json.Nodes;
using Nabla.NN;
using Nabla.Optim;
using Nabla.Tensors;
using Nabla.Training;

namespace Nabla.Tests.Training;

/// <summary>Tests whose models draw from <see cref="Generator.Default"/> and assert exact losses run alone: the
/// default generator is process-wide, and a test running beside them would draw from it too.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public class DefaultGeneratorCollection
{
    public const string Name = "Generator.Default";
}

/// <summary>The shared training loop on a small task: it learns, it is deterministic, and a run resumed from its
/// checkpoint (after a stop or Ctrl+C) ends exactly where an uninterrupted one does, with dropout drawing from the
/// default generator and from a generator of the model's own.</summary>
[Collection(DefaultGeneratorCollection.Name)]
public sealed class TrainerTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "nabla-trainer-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
    }

    /// <summary>Next-token prediction on a sequence where each token mostly follows from the one before.</summary>
    private sealed class Task : Module<Tensor, Tensor>
    {
        private static readonly Tensor Tokens = MakeTokens();
        private readonly Embedding embedding;
        private readonly Dropout dropout, ownDropout;
        private readonly Linear head;

        public Task()
        {
            var g = new Generator(42);
            embedding = Child("wte", new Embedding(8, 16, g));
            dropout = Child("drop", new Dropout(0.1f));
            ownDropout = Child("drop2", new Dropout(0.1f, g));
            head = Child("head", new Linear(16, 8, generator: g));
        }

        public override Tensor Forward(Tensor x) => head.Forward(ownDropout.Forward(dropout.Forward(embedding.Forward(x))));

        private static Tensor MakeTokens()
        {
            var g = new Generator(7);
            var tokens = new int[2000];
            for (int i = 1; i < tokens.Length; i++) tokens[i] = g.NextFloat() < 0.9f ? (tokens[i - 1] * 3 + 1) % 8 : g.NextInt(0, 8);
            return Tensor.FromArray(tokens);
        }

        public static (Tensor, Tensor) Batch(Split split, Generator g)
        {
            int start = split == Split.Train ? 0 : 1600, length = split == Split.Train ? 1599 : 399;
            var ix = new int[32];
            for (int i = 0; i < ix.Length; i++) ix[i] = start + g.NextInt(0, length);
            Tensor at = Tensor.FromArray(ix);
            return (Tokens[at], Tokens[Tensor.FromArray(ix.Select(i => i + 1).ToArray())]);
        }
    }

    private (Task Model, Trainer Trainer, RunDirectory Run) Build(string name, int maxSteps, Action<StepMetrics>? onStep = null)
    {
        var model = new Task();
        var optimizer = new AdamW(model.Parameters(), 1e-2f, weightDecay: 0.1f);
        var run = new RunDirectory(Path.Combine(root, name));
        var options = new TrainerOptions
        {
            MaxSteps = maxSteps, Schedule = new LearningRateSchedule.WarmupCosine(1e-2f, 1e-3f, 10, 60),
            EvalInterval = 20, EvalBatches = 4, LogInterval = 5, ClipNorm = 1f, GradientAccumulation = 2, Seed = 5,
        };
        var trainer = new Trainer("test-task", model, optimizer, Task.Batch, (x, y) => model.Forward(x).CrossEntropy(y), options, run)
        {
            Sample = g => string.Join(" ", Enumerable.Range(0, 5).Select(_ => g.NextInt(0, 8))),
            OnStep = onStep,
        };
        return (model, trainer, run);
    }

    [Fact]
    public void ItLearnsAndLeavesARunDirectory()
    {
        var (_, trainer, run) = Build("learn", 60);
        TrainingResult result = trainer.Run();
        Assert.Equal(60, result.Step);
        Assert.False(result.Interrupted);
        // Uniform guessing costs ln 8 ≈ 2.08; the chain is 90 % predictable, about 0.6 nats with the noise.
        Assert.True(result.BestValLoss < 1.0f, $"best val loss {result.BestValLoss}");

        IReadOnlyList<JsonObject> metrics = run.ReadMetrics();
        Assert.Equal(Enumerable.Range(1, 12).Select(i => i * 5), metrics.Select(m => (int)m["step"]!));
        Assert.All(metrics, m =>
        {
            foreach (string field in new[] { "train_loss", "lr", "grad_norm", "tokens_per_second", "elapsed_seconds" })
                Assert.True(m.ContainsKey(field), $"metrics line lacks {field}: {m.ToJsonString()}");
        });
        Assert.Equal([20, 40, 60], metrics.Where(m => m.ContainsKey("val_loss")).Select(m => (int)m["step"]!));
        Assert.True(File.Exists(run.LatestCheckpoint) && File.Exists(run.BestCheckpoint));
        Assert.Equal(3, File.ReadAllLines(run.SamplesPath).Count(l => l.StartsWith("--- step ", StringComparison.Ordinal)));
    }

    [Fact]
    public void TheSameSeedGivesTheSameLossesToTheLastBit()
    {
        var (_, first, firstRun) = Build("a", 30);
        var (_, second, secondRun) = Build("b", 30);
        first.Run();
        second.Run();
        Assert.Equal(Losses(firstRun), Losses(secondRun));
    }

    [Fact]
    public void AResumedRunEndsWhereAnUninterruptedOneDoes()
    {
        var (straight, straightTrainer, _) = Build("straight", 60);
        straightTrainer.Run();

        var (_, firstHalf, run) = Build("halves", 40);
        firstHalf.Run();                                           // stops at 40, a checkpoint step
        var (resumed, secondHalf, _) = Build("halves", 60);
        TrainingResult result = secondHalf.Run(resume: true);
        Assert.Equal(60, result.Step);
        AssertSameParameters(straight, resumed);
        Assert.Equal(12, run.ReadMetrics().Count);                 // no step logged twice
    }

    [Fact]
    public void CtrlCSavesACheckpointThatResumesExactly()
    {
        var (straight, straightTrainer, _) = Build("straight", 60);
        straightTrainer.Run();

        using var cancel = new CancellationTokenSource();
        var (_, interrupted, _) = Build("interrupted", 60, onStep: m => { if (m.Step == 27) cancel.Cancel(); }); // between two evaluations
        TrainingResult stopped = interrupted.Run(cancel: cancel.Token);
        Assert.True(stopped.Interrupted);
        Assert.Equal(27, stopped.Step);

        var (resumed, trainer, _) = Build("interrupted", 60);
        trainer.Run(resume: true);
        AssertSameParameters(straight, resumed);
    }

    [Fact]
    public void CheckpointsRefuseAnotherModelAndDamage()
    {
        var (model, trainer, run) = Build("refuse", 20);
        trainer.Run();
        var optimizer = new AdamW(model.Parameters());
        string message = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(run.LatestCheckpoint, "other-model", model, optimizer)).Message;
        Assert.Contains("a checkpoint of a 'test-task' model, not 'other-model'", message);

        var wider = new Linear(16, 9);
        Assert.Contains(run.LatestCheckpoint, Assert.Throws<InvalidDataException>(() => Checkpoint.LoadModel(run.LatestCheckpoint, "test-task", wider)).Message);

        byte[] bytes = File.ReadAllBytes(run.LatestCheckpoint);
        File.WriteAllBytes(run.LatestCheckpoint, bytes[..(bytes.Length / 2)]);
        Assert.Contains(run.LatestCheckpoint, Assert.Throws<InvalidDataException>(() => Checkpoint.LoadModel(run.LatestCheckpoint, "test-task", model)).Message);
        Assert.Throws<FileNotFoundException>(() => Build("empty", 10).Trainer.Run(resume: true));
    }

    private static float[] Losses(RunDirectory run) =>
        run.ReadMetrics().SelectMany(m => new[] { (float)m["train_loss"]!, m.ContainsKey("val_loss") ? (float)m["val_loss"]! : 0f }).ToArray();

    private static void AssertSameParameters(Module expected, Module actual)
    {
        foreach (var ((name, e), (_, a)) in expected.NamedParameters().Zip(actual.NamedParameters()))
            Assert.True(e.ToArray().SequenceEqual(a.ToArray()), $"{name} differs");
    }
}
