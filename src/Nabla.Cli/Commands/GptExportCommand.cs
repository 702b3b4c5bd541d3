using System.CommandLine;
using Nabla.IO;
using Nabla.Models;

namespace Nabla.Cli;

/// <summary>
/// <c>nabla gpt export --run RUN_DIR --out DIR [--format hf|llmc|llmc-bf16]</c>: a run's model (its best checkpoint) written in
/// another program's layout. Each format is one entry of <see cref="Formats"/>: its name, what it writes, and the
/// function that writes it.
/// </summary>
internal static class GptExportCommand
{
    private sealed record Format(string Description, Action<Gpt, string> Write);

    private static readonly Dictionary<string, Format> Formats = new(StringComparer.Ordinal)
    {
        ["hf"] = new("Hugging Face GPT-2 folder: config.json and model.safetensors, read by transformers' GPT2LMHeadModel.from_pretrained",
            HuggingFaceGpt2.Save),
        ["llmc"] = new("llm.c checkpoint DIR/model.bin, float32 (version 3), vocabulary padded to a multiple of 128; needs a model with biases",
            (model, dir) => WriteLlmc(model, dir, "model.bin", LlmcDType.Float32)),
        ["llmc-bf16"] = new("llm.c checkpoint DIR/model_bf16.bin, bfloat16 (version 5)",
            (model, dir) => WriteLlmc(model, dir, "model_bf16.bin", LlmcDType.BFloat16)),
    };

    private static void WriteLlmc(Gpt model, string dir, string file, LlmcDType dtype)
    {
        if (!model.Config.Bias)
            throw new UsageException("--format llmc: llm.c's checkpoint has a place for every bias, and this run's model has none (train with --bias true)");
        Directory.CreateDirectory(dir);
        LlmcCheckpoint.Write(Path.Combine(dir, file), model, dtype);
    }

    private static readonly Option<string> RunOption = new("--run") { Description = "Run folder made by nabla gpt train", Required = true };
    private static readonly Option<string> OutOption = new("--out", "-o") { Description = "Folder to write the model into", Required = true };
    private static readonly Option<string> FormatOption = new("--format") { Description = $"Layout to write: {string.Join("; ", Formats.Select(f => $"{f.Key} ({f.Value.Description})"))}", DefaultValueFactory = _ => "hf" };

    public static Command Create()
    {
        var command = new Command("export", "Write a run's model for another program (hf: a Hugging Face GPT-2 folder; llmc, llmc-bf16: an llm.c checkpoint)");
        command.Options.Add(RunOption);
        command.Options.Add(OutOption);
        command.Options.Add(FormatOption);
        command.SetAction(parse =>
        {
            string formatName = parse.GetValue(FormatOption)!, outDir = parse.GetValue(OutOption)!;
            if (!Formats.TryGetValue(formatName, out Format? format))
                throw new UsageException($"--format must be {string.Join(" or ", Formats.Keys)}, got '{formatName}'");
            if (File.Exists(outDir)) throw new UsageException($"--out '{outDir}' is a file, not a folder");
            var (model, _, _) = GptCommand.LoadRun(parse.GetValue(RunOption)!);
            format.Write(model, outDir);
            parse.InvocationConfiguration.Output.WriteLine($"wrote {formatName} model ({model.ParameterCount():N0} parameters) to {outDir}");
            return NablaApp.ExitOk;
        });
        return command;
    }
}
