using System.Diagnostics;
using Nabla.Models;
using Nabla.Tests.Support;
using Nabla.Training;

namespace Nabla.Tests.Cli;

/// <summary><c>nabla makemore</c> as a user runs it: train, resume, sample, bad input, and a process killed while it saves.</summary>
public sealed class MakemoreCliTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "nabla-makemore-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
    }

    [SkippableFact]
    public void TrainResumeAndSampleLeaveARunDirectory()
    {
        string names = TestData.Require("names.txt");
        string run = Path.Combine(root, "mlp");
        var first = CliHarness.Run("makemore", "--type", "mlp", "-i", names, "-o", run, "--max-steps", "400", "--eval-interval", "200", "--num-samples", "20");
        Assert.True(first.ExitCode == 0, first.Stderr);
        Assert.Contains("done at step 400", first.Stdout);
        Assert.Matches(@"\d+ samples that are in train:", first.Stdout);
        Assert.Matches(@"\d+ samples that are in test:", first.Stdout);
        Assert.Matches(@"\d+ samples that are new:", first.Stdout);
        Assert.DoesNotContain('\u001b', first.Stdout);                       // plain lines without a terminal
        foreach (string file in new[] { "config.json", "metrics.jsonl", "samples.txt", "checkpoints/latest.safetensors", "checkpoints/best.safetensors" })
            Assert.True(File.Exists(Path.Combine(run, file)), file);

        var again = CliHarness.Run("makemore", "--type", "mlp", "-i", names, "-o", run);
        Assert.Equal(2, again.ExitCode);
        Assert.Contains("already holds a run: pass --resume", again.Stderr);

        var resumed = CliHarness.Run("makemore", "-o", run, "--resume", "--max-steps", "600", "--num-samples", "5");
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        Assert.Contains("resumed from", resumed.Stdout);
        Assert.Contains("done at step 600", resumed.Stdout);
        Assert.Equal(6, new RunDirectory(run).ReadMetrics().Count(m => m.ContainsKey("val_loss")) * 2);   // 200, 400, 600

        var sampled = CliHarness.Run("makemore", "-o", run, "--sample-only", "--num-samples", "4", "--top-k", "3", "--temperature", "0.8");
        Assert.True(sampled.ExitCode == 0, sampled.Stderr);
        Assert.DoesNotContain("done at step", sampled.Stdout);
    }

    [SkippableFact]
    public void TheCountingBigramIsTrainedByCounting()
    {
        string names = TestData.Require("names.txt");
        var result = CliHarness.Run("makemore", "--type", "bigram", "-i", names, "-o", Path.Combine(root, "bigram"), "--num-samples", "3");
        Assert.True(result.ExitCode == 0, result.Stderr);
        // The counts of the lecture's 25,626 training names, evaluated on the 3,203 dev names.
        Assert.Contains("counted 182,625 examples: train loss 2.454", result.Stdout);
        Assert.Contains("val loss 2.453", result.Stdout);
    }

    [Fact]
    public void BadInputIsOneLineAndAnExitCode()
    {
        string empty = Path.Combine(root, "empty.txt");
        Directory.CreateDirectory(root);
        File.WriteAllText(empty, "\n\n");
        string words = Path.Combine(root, "words.txt");
        File.WriteAllLines(words, Enumerable.Range(0, 40).Select(i => new string('a', 1 + i % 3) + new string('b', 1 + i % 4)));

        Expect(1, "no items", "makemore", "--type", "mlp", "-i", empty, "-o", Path.Combine(root, "e"));
        Expect(2, "unknown model 'nope'", "makemore", "--type", "nope", "-i", words, "-o", Path.Combine(root, "n"));
        Expect(2, "--type is required", "makemore", "-i", words);
        Expect(2, "exclude each other", "makemore", "--type", "mlp", "--resume", "--sample-only", "-o", Path.Combine(root, "x"));
        Expect(1, "config.json not found", "makemore", "-o", Path.Combine(root, "none"), "--resume");
        Expect(2, "--top-k must be in [1, 3]", "makemore", "--type", "mlp", "-i", words, "-o", Path.Combine(root, "k"), "--max-steps", "2", "--top-k", "9");
        Expect(2, "--split must be makemore or lecture", "makemore", "--type", "mlp", "-i", words, "-o", Path.Combine(root, "s"), "--split", "random");

        var trained = CliHarness.Run("makemore", "--type", "mlp", "-i", words, "-o", Path.Combine(root, "m"), "--max-steps", "2", "--split", "makemore");
        Assert.True(trained.ExitCode == 0, trained.Stderr);
        Expect(2, "trains a 'mlp' model", "makemore", "--type", "wavenet", "-o", Path.Combine(root, "m"), "--resume");
    }

    private static void Expect(int code, string message, params string[] args)
    {
        var result = CliHarness.Run(args);
        Assert.True(code == result.ExitCode, $"{string.Join(' ', args)}: exit {result.ExitCode}, stderr {result.Stderr}");
        Assert.Contains(message, result.Stderr);
        Assert.Single(result.Stderr.TrimEnd('\n').Split('\n'));
    }

    [SkippableFact]
    public void AProcessKilledWhileSavingLeavesALoadableCheckpoint()
    {
        // A checkpoint at every step, killed at moments spread over the saves: each time the latest one must load.
        string names = TestData.Require("names.txt");
        string run = Path.Combine(root, "killed");
        var delays = new[] { 900, 1300, 1700, 2100 };
        foreach (int delay in delays)
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (string arg in new[] { Path.Combine(AppContext.BaseDirectory, "Nabla.Cli.dll"), "makemore", "--type", "mlp", "-i", names, "-o", run,
                         "--max-steps", "1000000", "--eval-interval", "1", "--n-embd2", "2000" })
                start.ArgumentList.Add(arg);
            if (File.Exists(Path.Combine(run, "checkpoints", "latest.safetensors"))) start.ArgumentList.Add("--resume");
            using var process = Process.Start(start)!;
            process.StandardOutput.BaseStream.CopyToAsync(Stream.Null);
            process.StandardError.BaseStream.CopyToAsync(Stream.Null);
            string latest = Path.Combine(run, "checkpoints", "latest.safetensors");
            var clock = Stopwatch.StartNew();
            while (!File.Exists(latest) && clock.Elapsed < TimeSpan.FromSeconds(60) && !process.HasExited) Thread.Sleep(20);
            Thread.Sleep(delay);
            process.Kill(entireProcessTree: true);
            process.WaitForExit();

            Assert.True(File.Exists(latest), "the run saved no checkpoint before it was killed");
            var model = MakemoreModels.Create("mlp", new MakemoreConfig { BlockSize = 3, NEmbd = 10, NEmbd2 = 2000 }, new Nabla.Tensors.Generator(1));
            Checkpoint.LoadModel(latest, "mlp", model);   // throws on a torn file
        }
    }
}
