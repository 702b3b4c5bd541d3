using Nabla.IO;
using Nabla.Models;
using Nabla.Tensors;
using Nabla.Training;

namespace Nabla.Tests.Cli;

/// <summary>
/// llm.c checkpoints on the command line: <c>gpt sample --llmc</c> draws what the same weights draw from a Hugging
/// Face folder, and <c>gpt export --format llmc|llmc-bf16</c> writes a run's model as llm.c reads it.
/// </summary>
public sealed class GptLlmcCliTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("nabla-gptllmc-").FullName;
    public void Dispose() => Directory.Delete(dir, recursive: true);


    [Fact]
    public void Sampling_an_llmc_checkpoint_gives_the_text_of_the_same_weights_in_a_Hugging_Face_folder()
    {
        var model = new Gpt(new GptConfig(16, 50257, NLayer: 1, NHead: 2, NEmbd: 8, Gelu: GeluApproximation.Tanh), new Generator(5));
        string checkpoint = Path.Combine(dir, "tiny.bin"), folder = Path.Combine(dir, "hf");
        LlmcCheckpoint.Write(checkpoint, model);
        HuggingFaceGpt2.Save(model, folder);

        string[] greedy = ["--start", "Hello, world", "--num-samples", "1", "--max-new-tokens", "8", "--temperature", "0"];
        var fromLlmc = CliHarness.Run(["gpt", "sample", "--llmc", checkpoint, .. greedy]);
        Assert.True(fromLlmc.ExitCode == 0, fromLlmc.Stderr);
        Assert.StartsWith("Hello, world", fromLlmc.Stdout);
        Assert.Equal(CliHarness.Run(["gpt", "sample", "--hf", folder, .. greedy]).Stdout, fromLlmc.Stdout);

        CliHarness.AssertOneLineFailure(CliHarness.Run("gpt", "sample", "--llmc", checkpoint, "--hf", folder), 2, "give exactly one of --run RUN_DIR, --hf HF_MODEL_DIR and --llmc");
        CliHarness.AssertOneLineFailure(CliHarness.Run("gpt", "sample", "--llmc", Path.Combine(dir, "missing.bin")), 1, "not found");
        File.WriteAllBytes(Path.Combine(dir, "short.bin"), File.ReadAllBytes(checkpoint)[..2000]);
        CliHarness.AssertOneLineFailure(CliHarness.Run("gpt", "sample", "--llmc", Path.Combine(dir, "short.bin")), 1, "not a valid llm.c checkpoint");
        var small = new Gpt(new GptConfig(8, 50, 1, 2, 8), new Generator(1));
        LlmcCheckpoint.Write(Path.Combine(dir, "small.bin"), small);
        CliHarness.AssertOneLineFailure(CliHarness.Run("gpt", "sample", "--llmc", Path.Combine(dir, "small.bin")), 1, "vocab_size 50 is not GPT-2's tokenizer's 50257");
    }

    [Fact]
    public void Export_writes_a_runs_model_as_an_llmc_checkpoint_in_either_precision()
    {
        File.WriteAllText(Path.Combine(dir, "text.txt"), string.Concat(Enumerable.Repeat("the cat sat on the mat.\n", 40)));
        string data = Path.Combine(dir, "data"), run = Path.Combine(dir, "run"), noBias = Path.Combine(dir, "nobias"), outDir = Path.Combine(dir, "out");
        Assert.Equal(0, CliHarness.Run("gpt", "prepare", "--input", Path.Combine(dir, "text.txt"), "--out", data).ExitCode);
        string[] tiny = ["--n_layer", "1", "--n_head", "2", "--n_embd", "8", "--block_size", "8", "--batch_size", "2", "--max_iters", "2",
            "--eval_interval", "2", "--eval_iters", "1", "--sample_tokens", "0"];
        var trained = CliHarness.Run(["gpt", "train", "--config", "shakespeare-char-cpu", "--data", data, "--out", run, "--bias", "true", "--gelu", "tanh", .. tiny]);
        Assert.True(trained.ExitCode == 0, trained.Stderr);

        var exported = CliHarness.Run("gpt", "export", "--run", run, "--out", outDir, "--format", "llmc");
        Assert.True(exported.ExitCode == 0, exported.Stderr);
        Assert.Contains("wrote llmc model", exported.Stdout);
        Gpt loaded = LlmcCheckpoint.Read(Path.Combine(outDir, "model.bin"));
        var fromRun = new Gpt(loaded.Config, new Generator(1));
        Checkpoint.LoadModel(new RunDirectory(run).BestCheckpoint, "gpt", fromRun);
        Assert.Equal(fromRun.NamedParameters().Select(p => p.Parameter.ToArray()), loaded.NamedParameters().Select(p => p.Parameter.ToArray()));
        Assert.Equal(128, LlmcCheckpoint.ReadHeader(Path.Combine(outDir, "model.bin")).PaddedVocabSize);

        Assert.Equal(0, CliHarness.Run("gpt", "export", "--run", run, "--out", outDir, "--format", "llmc-bf16").ExitCode);
        Assert.Equal(LlmcDType.BFloat16, LlmcCheckpoint.ReadHeader(Path.Combine(outDir, "model_bf16.bin")).DType);

        Assert.Equal(0, CliHarness.Run(["gpt", "train", "--config", "shakespeare-char-cpu", "--data", data, "--out", noBias, .. tiny]).ExitCode);
        CliHarness.AssertOneLineFailure(CliHarness.Run("gpt", "export", "--run", noBias, "--out", outDir, "--format", "llmc"), 2, "this run's model has none");
        CliHarness.AssertOneLineFailure(CliHarness.Run("gpt", "export", "--run", run, "--out", outDir, "--format", "onnx"), 2, "--format must be hf or llmc or llmc-bf16");
    }
}
