using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Nabla.Models;

namespace Nabla.Cli;

/// <summary>
/// <c>nabla gpt eval --run RUN_DIR [--split val|train|both]</c>: a run's model (its best checkpoint) scored on every
/// token of a split (<see cref="GptEvaluation"/>), where training's evaluation averages a few random windows. The data
/// folder is the run's own unless <c>--data</c> names another with the same vocabulary.
/// </summary>
internal static class GptEvalCommand
{
    private static readonly Option<string> RunOption = new("--run") { Description = "Run folder made by nabla gpt train", Required = true };
    private static readonly Option<string?> DataOption = new("--data", "-d") { Description = "Data folder to score [default: the run's]" };
    private static readonly Option<string> SplitOption = new("--split") { Description = "val, train or both", DefaultValueFactory = _ => "val" };
    private static readonly Option<int?> BlockSizeOption = new("--block-size") { Description = "Window length [default: the model's block size]" };
    private static readonly Option<int> BatchSizeOption = new("--batch-size") { Description = "Windows per forward pass", DefaultValueFactory = _ => GptEvaluation.DefaultBatchSize };

    public static Command Create()
    {
        var command = new Command("eval", "Score a run's model on every token of a split: the mean loss over consecutive windows, without sampling noise");
        foreach (Option option in new Option[] { RunOption, DataOption, SplitOption, BlockSizeOption, BatchSizeOption })
            command.Options.Add(option);
        command.SetAction(parse => Run(parse, parse.InvocationConfiguration.Output));
        return command;
    }

    private static int Run(ParseResult parse, TextWriter output)
    {
        string split = parse.GetValue(SplitOption)!;
        string[] splits = split switch
        {
            "val" => ["val"],
            "train" => ["train"],
            "both" => ["train", "val"],
            _ => throw new UsageException($"--split must be val, train or both, got '{split}'"),
        };
        int batchSize = parse.GetValue(BatchSizeOption);
        if (batchSize < 1) throw new UsageException($"--batch-size must be ≥ 1, got {batchSize}");
        string runPath = parse.GetValue(RunOption)!;
        var (model, _, saved) = GptCommand.LoadRun(runPath);
        int blockSize = parse.GetValue(BlockSizeOption) ?? model.Config.BlockSize;
        if (blockSize < 1 || blockSize > model.Config.BlockSize)
            throw new UsageException($"--block-size must be in [1, {model.Config.BlockSize}] (the model's block size), got {blockSize}");

        string dataPath = parse.GetValue(DataOption) ?? saved["data"]?.ToString()
            ?? throw new UsageException("the run does not name its data folder: pass --data");
        GptData data = GptData.Load(dataPath);
        GptCommand.RequireRunVocabulary(saved, runPath, data);

        foreach (string name in splits)
        {
            ushort[] tokens = name == "val" ? data.Val : data.Train;
            var clock = Stopwatch.StartNew();
            double loss = GptEvaluation.SplitLoss(model, tokens, blockSize, batchSize);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name} loss {loss:F4} over {tokens.Length - 1:N0} predicted tokens (windows of {blockSize}), {clock.Elapsed.TotalSeconds:F1} s"));
        }
        return NablaApp.ExitOk;
    }
}
