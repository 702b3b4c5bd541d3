using System.CommandLine;
using Nabla.Training;

namespace Nabla.Cli;

/// <summary><c>nabla plot RUN_DIR</c>: draws a training run's loss and learning-rate curves (and its character
/// embedding when it is two-dimensional) as PNG files inside the run directory.</summary>
internal static class PlotCommand
{
    public static Command Create()
    {
        var runDir = new Argument<string>("RUN_DIR") { Description = "A run directory written by a training job (holds metrics.jsonl)" };
        var logY = new Option<bool>("--log-y") { Description = "Draw the loss on a logarithmic axis" };
        var vocab = new Option<string?>("--vocab")
        {
            Description = "Characters of the vocabulary by token id, to label a 2-D embedding [default: config.json's \"vocabulary\", else its \"input\" file's characters]",
        };
        var command = new Command("plot", "Draw a run's loss (loss.png), learning rate (lr.png) and 2-D character embedding (embedding.png) into its folder")
        {
            runDir, logY, vocab,
        };
        command.SetAction(parse =>
        {
            RunDirectory run = Existing(parse.GetValue(runDir)!);
            foreach (string path in RunPlots.Write(run, parse.GetValue(logY), parse.GetValue(vocab)))
                parse.InvocationConfiguration.Output.WriteLine(path);
            return NablaApp.ExitOk;
        });
        return command;
    }

    /// <summary>A run directory that is there: reading one must not create it.</summary>
    internal static RunDirectory Existing(string path) =>
        Directory.Exists(path) ? new RunDirectory(path) : throw new DirectoryNotFoundException($"run directory '{path}' does not exist");
}
