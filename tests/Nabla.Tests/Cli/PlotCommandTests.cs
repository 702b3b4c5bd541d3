using Nabla.Cli;
using Nabla.Training;

namespace Nabla.Tests.Cli;

public class PlotCommandTests
{
    [Fact]
    public void PlotWritesLossLearningRateAndEmbeddingPicturesIntoTheRun()
    {
        using var run = new RunFixture();
        var result = CliHarness.Run("plot", run.Path);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.Stderr);
        foreach (string name in new[] { "loss.png", "lr.png", "embedding.png" })
        {
            string path = Path.Combine(run.Path, name);
            Assert.Contains(path, result.Stdout);
            var png = PngCheck.Read(path);
            Assert.Equal((RunPlots.Width, RunPlots.Height), (png.Width, png.Height));
            png.AssertDrawn(name);
        }
    }

    [Fact]
    public void LogScaleDrawsADifferentLossPicture()
    {
        using var run = new RunFixture();
        Assert.Equal(0, CliHarness.Run("plot", run.Path).ExitCode);
        byte[] linear = File.ReadAllBytes(Path.Combine(run.Path, "loss.png"));
        Assert.Equal(0, CliHarness.Run("plot", run.Path, "--log-y").ExitCode);
        byte[] log = File.ReadAllBytes(Path.Combine(run.Path, "loss.png"));
        PngCheck.Read(Path.Combine(run.Path, "loss.png")).AssertDrawn("loss.png (log)");
        Assert.NotEqual(linear, log);
    }

    [Fact]
    public void AWiderEmbeddingIsNotPlotted()
    {
        using var run = new RunFixture(embeddingWidth: 3);
        IReadOnlyList<string> written = RunPlots.Write(run.Run);
        Assert.Equal(["loss.png", "lr.png"], written.Select(Path.GetFileName));
        Assert.False(File.Exists(Path.Combine(run.Path, "embedding.png")));
    }

    [Fact]
    public void EmbeddingLabelsComeFromTheConfigVocabularyOrAreGiven()
    {
        using var run = new RunFixture();
        RunEmbedding embedding = RunEmbedding.TryRead(run.Run)!;
        Assert.Equal("model.wte.weight", embedding.TensorName);
        Assert.Equal(RunFixture.Vocabulary.Select(c => c.ToString()), embedding.Labels);

        RunEmbedding given = RunEmbedding.TryRead(run.Run, "0123")!;
        Assert.Equal(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"], given.Labels); // past the given four: token ids
    }

    [Fact]
    public void EmbeddingLabelsFallBackToTheInputFilesCharacters()
    {
        using var run = new RunFixture();
        string input = Path.Combine(run.Path, "items.txt");
        File.WriteAllText(input, "cab\nba\nab\n");
        var config = run.Run.ReadConfig()!;
        config.Remove("vocabulary");
        config["input"] = input;
        run.Run.WriteConfig(config);
        RunEmbedding embedding = RunEmbedding.TryRead(run.Run)!;
        Assert.Equal([".", "a", "b", "c", "4", "5", "6", "7", "8", "9"], embedding.Labels); // 10 rows, 4 tokens: ids past them
    }

    [Theory]
    [InlineData("model.wte.weight", true)]
    [InlineData("model.transformer.wte.weight", true)]
    [InlineData("model.C.weight", true)]
    [InlineData("model.token_embedding.weight", true)]
    [InlineData("model.transformer.wpe.weight", false)]
    [InlineData("model.lm_head.weight", false)]
    [InlineData("model.wte.bias", false)]
    [InlineData("optimizer.wte.weight", false)]
    public void AnEmbeddingIsRecognizedByName(string name, bool expected) =>
        Assert.Equal(expected, RunEmbedding.IsCharacterEmbedding(name));

    [Fact]
    public void AMissingRunDirectoryIsOneLineAndExitCodeOneAndIsNotCreated()
    {
        string missing = Path.Combine(Path.GetTempPath(), "nabla-no-such-run-" + Guid.NewGuid().ToString("N"));
        foreach (string job in new[] { "plot", "report" })
        {
            var result = CliHarness.Run(job, missing);
            Assert.Equal(1, result.ExitCode);
            Assert.Contains(missing, result.Stderr);
            Assert.Single(result.Stderr.TrimEnd().Split('\n'));
            Assert.False(Directory.Exists(missing));
        }
    }

    [Fact]
    public void AFolderWithoutMetricsNamesTheMetricsFile()
    {
        string empty = Directory.CreateTempSubdirectory().FullName;
        try
        {
            var result = CliHarness.Run("plot", empty);
            Assert.Equal(1, result.ExitCode);
            Assert.Contains("metrics.jsonl", result.Stderr);
            Assert.Single(result.Stderr.TrimEnd().Split('\n'));
        }
        finally { Directory.Delete(empty, recursive: true); }
    }

    [Fact]
    public void AMetricsValueThatIsNotANumberNamesTheRecordAndField()
    {
        using var run = new RunFixture();
        File.AppendAllText(run.Run.MetricsPath, "{\"step\": 61, \"train_loss\": \"high\"}\n");
        var result = CliHarness.Run("plot", run.Path);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"record {RunFixture.Steps + 1}", result.Stderr);
        Assert.Contains("train_loss", result.Stderr);
    }

    [Fact]
    public void MetricsColumnsSkipNullsAndMissingFields()
    {
        using var run = new RunFixture();
        RunMetrics metrics = RunMetrics.Read(run.Run);
        Series train = metrics.Column("train", "step", "train_loss");
        Assert.Equal(RunFixture.Steps - 1, train.Count); // step 5 diverged: null in the file
        Assert.DoesNotContain(5.0, train.X);
        Series val = metrics.Column("val", "step", "val_loss");
        Assert.Equal([10.0, 20, 30, 40, 50, 60], val.X);
    }

    [Fact]
    public void ParameterCountsArePerTopLevelModuleFromTheCheckpointHeader()
    {
        using var run = new RunFixture();
        var (modules, total) = ModuleParameterCounts.Read(run.Run.BestCheckpoint);
        var (embedding, head) = RunFixture.ParameterCounts();
        Assert.Equal([("lm_head", head), ("wte", embedding)], modules);
        Assert.Equal(embedding + head, total);
    }

    [Fact]
    public void BuffersAndOptimizerStateAreNotCountedAsParameters()
    {
        string folder = Directory.CreateTempSubdirectory().FullName;
        try
        {
            string path = Path.Combine(folder, "c.safetensors");
            Nabla.IO.Safetensors.Save(path, new Dictionary<string, Nabla.Tensors.Tensor>
            {
                ["model.norm.weight"] = Nabla.Tensors.Tensor.Zeros(5),
                ["model.norm.running_mean"] = Nabla.Tensors.Tensor.Zeros(5),
                ["model.norm.running_var"] = Nabla.Tensors.Tensor.Zeros(5),
                ["model.layers.0.weight"] = Nabla.Tensors.Tensor.Zeros(3, 4),
                ["model.layers.1.weight"] = Nabla.Tensors.Tensor.Zeros(4, 2),
                ["model.counts"] = Nabla.Tensors.Tensor.Zeros(27, 27),
                ["model.scale"] = Nabla.Tensors.Tensor.Zeros(7),
                ["optimizer.0.exp_avg"] = Nabla.Tensors.Tensor.Zeros(100),
            });
            var (modules, total) = ModuleParameterCounts.Read(path);
            Assert.Equal([("layers", 20L), ("norm", 5L), ("(model)", 7L)], modules);
            Assert.Equal(32, total);
        }
        finally { Directory.Delete(folder, recursive: true); }
    }
}
