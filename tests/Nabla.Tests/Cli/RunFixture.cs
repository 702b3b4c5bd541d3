using System.Globalization;
using System.Text.Json.Nodes;
using Nabla.NN;
using Nabla.Optim;
using Nabla.Tensors;
using Nabla.Training;

namespace Nabla.Tests.Cli;

/// <summary>
/// A small run directory made the way the training loop makes one (RunDirectory's writers and
/// Checkpoint.Save), without training: a config with a two-dimensional embedding, a loss that falls,
/// evaluations every 10 steps, samples, and a checkpoint of a tiny character model. Text from the run holds
/// HTML's special characters, so a report that does not encode them shows it.
/// </summary>
public sealed class RunFixture : IDisposable
{
    /// <summary>Token i is the i-th character; '.' is the start/stop token, as in makemore.</summary>
    public const string Vocabulary = ".abc<&\"xyz";
    public const string HostileSample = "<script>alert('run')</script> & <b>bold</b>";
    public const int Steps = 60, EvalInterval = 10;

    private readonly string root = Directory.CreateTempSubdirectory("nabla-run-").FullName;

    public RunDirectory Run { get; }

    public string Path => Run.Path;

    public RunFixture(int embeddingWidth = 2)
    {
        Run = new RunDirectory(System.IO.Path.Combine(root, "run"));
        Run.WriteConfig(new JsonObject
        {
            ["job"] = "makemore",
            ["type"] = "mlp <test>",
            ["vocab_size"] = Vocabulary.Length,
            ["vocabulary"] = Vocabulary,
            ["n_embd"] = embeddingWidth,
            ["learning_rate"] = 0.1,
            ["note"] = "a & b < c",
        });
        for (int step = 1; step <= Steps; step++)
        {
            float loss = 3.3f * MathF.Exp(-step / 30f) + 0.5f;
            var metrics = new StepMetrics(step, loss, step < 40 ? 0.1f : 0.01f, 1.5f / step, 1000 + 10 * step, 0.05 * step);
            if (step % EvalInterval == 0) metrics = metrics with { ValLoss = loss + 0.1f, EvalTrainLoss = loss - 0.05f };
            if (step == 5) metrics = metrics with { TrainLoss = float.NaN }; // written as null: no point, no failure
            Run.AppendMetrics(metrics);
            if (step % EvalInterval == 0)
                Run.AppendSample(step, step == Steps ? HostileSample : $"sample of step {step.ToString(CultureInfo.InvariantCulture)}\nabc");
        }
        var model = new TinyCharModel(Vocabulary.Length, embeddingWidth, new Generator(7));
        var optimizer = new Sgd(model.Parameters(), 0.1f);
        var state = new TrainingState(Steps, 0.6f, new Generator(1).State, new Generator(2).State, []);
        Checkpoint.Save(Run.LatestCheckpoint, "tiny", model, optimizer, state);
        File.Copy(Run.LatestCheckpoint, Run.BestCheckpoint);
    }

    /// <summary>Parameters of <see cref="TinyCharModel"/>: the embedding (V·C), then the head (C·V + V).</summary>
    public static (long Embedding, long Head) ParameterCounts(int width = 2) =>
        (Vocabulary.Length * width, width * Vocabulary.Length + Vocabulary.Length);

    public void Dispose() => Directory.Delete(root, recursive: true);

    /// <summary>A bigram-like model: an embedding per character and a linear layer back to the vocabulary.</summary>
    private sealed class TinyCharModel : Module
    {
        public TinyCharModel(int vocabulary, int width, Generator g)
        {
            Child("wte", new Embedding(vocabulary, width, g));
            Child("lm_head", new Linear(width, vocabulary, generator: g));
        }
    }
}
