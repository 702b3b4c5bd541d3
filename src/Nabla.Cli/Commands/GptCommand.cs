using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Nabla.IO;
using Nabla.Models;
using Nabla.Tensors;
using Nabla.Text;
using Nabla.Training;

namespace Nabla.Cli;

/// <summary>
/// <c>nabla gpt</c>: nanoGPT's three scripts as sub-commands. <c>prepare</c> turns a text file into a data folder
/// (train.bin, val.bin, meta.json), <c>train</c> (in <see cref="GptTrainCommand"/>) trains a GPT on it into a run
/// folder, <c>sample</c> streams text from a run's best checkpoint or from GPT-2's weights, <c>eval</c> (in
/// <see cref="GptEvalCommand"/>) scores a run on a whole split; <c>export</c> (in
/// <see cref="GptExportCommand"/>) and <c>download</c> (in <see cref="GptDownloadCommand"/>) move weights between
/// Nabla and the Hugging Face layout.
/// </summary>
internal static class GptCommand
{
    public const string ModelKind = "gpt";
    public const int MaxSamples = 10_000, MaxNewTokens = 1_000_000;

    public static Command Create()
    {
        var command = new Command("gpt", "Train and sample a GPT (nanoGPT): prepare a data folder, train, sample, evaluate; export, download GPT-2 weights");
        command.Subcommands.Add(CreatePrepare());
        command.Subcommands.Add(GptTrainCommand.Create());
        command.Subcommands.Add(CreateSample());
        command.Subcommands.Add(GptEvalCommand.Create());
        command.Subcommands.Add(GptExportCommand.Create());
        command.Subcommands.Add(GptDownloadCommand.Create());
        command.SetAction(parse => new System.CommandLine.Help.HelpAction().Invoke(parse));
        return command;
    }

    private static readonly Option<string> InputOption = new("--input", "-i") { Description = "Text file (UTF-8) to tokenize", Required = true };
    private static readonly Option<string> TokenizerOption = new("--tokenizer") { Description = "char (the text's own characters) or gpt2 (GPT-2's BPE encoding)", DefaultValueFactory = _ => "char" };
    private static readonly Option<string> DataOutOption = new("--out", "-o") { Description = "Data folder to write train.bin, val.bin and meta.json into", Required = true };

    private static Command CreatePrepare()
    {
        var command = new Command("prepare", "Tokenize a text file into a data folder: the first 90 % into train.bin, the last 10 % into val.bin (uint16), and meta.json");
        command.Options.Add(InputOption);
        command.Options.Add(TokenizerOption);
        command.Options.Add(DataOutOption);
        command.SetAction(parse =>
        {
            string tokenizer = parse.GetValue(TokenizerOption)!;
            if (tokenizer is not ("char" or "gpt2")) throw new UsageException($"--tokenizer must be char or gpt2, got '{tokenizer}'");
            string input = parse.GetValue(InputOption)!, outDir = parse.GetValue(DataOutOption)!;
            PreparedCounts counts = GptData.Prepare(input, tokenizer, outDir);
            TextWriter output = parse.InvocationConfiguration.Output;
            output.WriteLine($"{input}: vocabulary {counts.VocabSize:N0} ({tokenizer}); train {counts.TrainTokens:N0} tokens, val {counts.ValTokens:N0} tokens");
            output.WriteLine($"wrote {Path.Combine(outDir, GptData.TrainFile)}, {Path.Combine(outDir, GptData.ValFile)}, {Path.Combine(outDir, GptData.MetaFile)}");
            return NablaApp.ExitOk;
        });
        return command;
    }

    private static readonly Option<string?> RunOption = new("--run") { Description = "Run folder made by nabla gpt train" };
    private static readonly Option<string?> HfOption = new("--hf") { Description = "Hugging Face GPT-2 folder (config.json, model.safetensors), or gpt2, gpt2-medium, gpt2-large, gpt2-xl from the cache" };
    private static readonly Option<string?> LlmcOption = new("--llmc") { Description = "llm.c model checkpoint (gpt2_124M.bin, fp32 or bf16)" };
    private static readonly Option<string?> CacheOption = CreateCacheOption();

    /// <summary>--cache: where downloaded models are kept (each command gets its own instance of the option).</summary>
    internal static Option<string?> CreateCacheOption() =>
        new("--cache") { Description = $"Cache folder of downloaded models [default: ${Nabla.Data.Datasets.CacheDirVariable} or ~/.cache/nabla]" };
    private static readonly Option<string> StartOption = new("--start") { Description = "Prompt text, or FILE:path to read it from a file", DefaultValueFactory = _ => "\n" };
    private static readonly Option<int> NumSamplesOption = new("--num-samples") { Description = "Samples to draw", DefaultValueFactory = _ => 10 };
    private static readonly Option<int> MaxNewTokensOption = new("--max-new-tokens") { Description = "Tokens generated per sample", DefaultValueFactory = _ => 500 };
    private static readonly Option<float> TemperatureOption = new("--temperature") { Description = "Below 1 sharper, above 1 flatter, 0 greedy", DefaultValueFactory = _ => 0.8f };
    private static readonly Option<int> TopKOption = new("--top-k") { Description = "Only the k most likely tokens (more than the vocabulary: all)", DefaultValueFactory = _ => 200 };
    private static readonly Option<float?> TopPOption = new("--top-p") { Description = "Only the most likely tokens whose probabilities sum to p [default: off]" };
    private static readonly Option<int> SeedOption = new("--seed") { Description = "Seed of the draws", DefaultValueFactory = _ => 1337 };
    private static readonly Option<bool> NoCacheOption = new("--no-kv-cache") { Description = "Run the whole context for every token instead of caching keys and values" };

    private static Command CreateSample()
    {
        var command = new Command("sample", "Generate text from a run's best checkpoint or from GPT-2's weights (Hugging Face or llm.c), streamed as it is drawn");
        foreach (Option option in new Option[] { RunOption, HfOption, LlmcOption, CacheOption, StartOption, NumSamplesOption, MaxNewTokensOption, TemperatureOption, TopKOption, TopPOption, SeedOption, NoCacheOption })
            command.Options.Add(option);
        command.SetAction(parse => Sample(parse, parse.InvocationConfiguration.Output));
        return command;
    }

    private static int Sample(ParseResult parse, TextWriter output)
    {
        int samples = parse.GetValue(NumSamplesOption), maxNew = parse.GetValue(MaxNewTokensOption), topK = parse.GetValue(TopKOption);
        if (samples is < 1 or > MaxSamples) throw new UsageException($"--num-samples must be in [1, {MaxSamples:N0}], got {samples}");
        if (maxNew is < 0 or > MaxNewTokens) throw new UsageException($"--max-new-tokens must be in [0, {MaxNewTokens:N0}], got {maxNew}");
        if (topK < 1) throw new UsageException($"--top-k must be ≥ 1, got {topK}");
        var (model, tokenizer) = LoadModel(parse);
        var options = new SamplingOptions(parse.GetValue(TemperatureOption), Math.Min(topK, tokenizer.VocabSize), parse.GetValue(TopPOption),
            UseCache: !parse.GetValue(NoCacheOption));
        try { TokenSampler.Validate(options, tokenizer.VocabSize); }
        catch (ArgumentException e) { throw new UsageException(e.Message.Replace("sampling: ", "--", StringComparison.Ordinal)); }

        int[] prompt = Encode(tokenizer, Prompt(parse.GetValue(StartOption)!));
        var generator = new Generator((ulong)parse.GetValue(SeedOption));
        for (int s = 0; s < samples; s++)
        {
            var stream = new TokenStream(tokenizer, output);
            stream.Write(prompt);
            model.Generate(prompt, maxNew, generator, options, stream.Write);
            stream.End();
            output.WriteLine("---------------");
        }
        return NablaApp.ExitOk;
    }

    /// <summary>The model of --run, or of --hf or --llmc with GPT-2's tokenizer: exactly one of them.</summary>
    private static (Gpt Model, Tokenizer Tokenizer) LoadModel(ParseResult parse)
    {
        string? run = parse.GetValue(RunOption), hf = parse.GetValue(HfOption), llmc = parse.GetValue(LlmcOption);
        if (new[] { run, hf, llmc }.Count(source => source is not null) != 1)
            throw new UsageException("give exactly one of --run RUN_DIR, --hf HF_MODEL_DIR and --llmc LLMC_CHECKPOINT");
        if (run is not null)
        {
            var (model, tokenizer, _) = LoadRun(run);
            return (model, tokenizer);
        }
        if (llmc is not null)
        {
            if (!File.Exists(llmc)) throw new FileNotFoundException($"llm.c checkpoint '{llmc}' not found");
            return (WithGpt2Vocabulary(LlmcCheckpoint.Read(llmc), $"{llmc}: vocab_size"), Encodings.Gpt2);
        }
        string folder = PretrainedGpt2.ResolveFolder(hf!, parse.GetValue(CacheOption));
        return (WithGpt2Vocabulary(HuggingFaceGpt2.Load(folder), $"{Path.Combine(folder, HuggingFaceGpt2.ConfigFile)}: vocab_size"), Encodings.Gpt2);
    }

    /// <summary>A pretrained model is sampled with GPT-2's tokenizer, so its vocabulary must be that one.</summary>
    private static Gpt WithGpt2Vocabulary(Gpt model, string where) =>
        model.Config.VocabSize == Encodings.Gpt2.VocabSize ? model
            : throw new InvalidDataException($"{where} {model.Config.VocabSize} is not GPT-2's tokenizer's {Encodings.Gpt2.VocabSize}");

    /// <summary>A run's model (best checkpoint, or latest when no evaluation improved yet), tokenizer and config.</summary>
    internal static (Gpt Model, Tokenizer Tokenizer, JsonObject Config) LoadRun(string path)
    {
        if (!Directory.Exists(path)) throw new DirectoryNotFoundException($"run folder '{path}' not found");
        var run = new RunDirectory(path);
        JsonObject saved = run.ReadConfig() ?? throw new FileNotFoundException($"{run.ConfigPath} not found: --run needs a folder made by nabla gpt train");
        if (saved["job"]?.ToString() != ModelKind) throw new InvalidDataException($"{run.ConfigPath}: not a run of nabla gpt train");
        Tokenizer tokenizer = GptData.TokenizerOf(saved, run.ConfigPath);
        GptTrainConfig config;
        try { config = GptTrainConfig.FromRun(saved, run.ConfigPath).Validate(tokenizer.VocabSize); }
        catch (ArgumentException e) { throw new InvalidDataException(e.Message); }
        var model = new Gpt(config.Model(tokenizer.VocabSize));
        string checkpoint = File.Exists(run.BestCheckpoint) ? run.BestCheckpoint : run.LatestCheckpoint;
        if (!File.Exists(checkpoint)) throw new FileNotFoundException($"no checkpoint in {run.CheckpointsPath} to sample from");
        Checkpoint.LoadModel(checkpoint, ModelKind, model);
        return (model, tokenizer, saved);
    }

    /// <summary>Throws, naming both, when a data folder's vocabulary is not the one a run (its config.json,
    /// <paramref name="run"/>) was trained on: the same tokenizer, size and, for characters, the same characters.</summary>
    internal static void RequireRunVocabulary(JsonObject run, string runPath, GptData data)
    {
        bool same = run["vocab_size"]?.ToString() == data.VocabSize.ToString(CultureInfo.InvariantCulture)
                    && run["tokenizer"]?.ToString() == data.Meta["tokenizer"]?.ToString()
                    && run["chars"]?.ToString() == data.Meta["chars"]?.ToString();
        if (!same)
            throw new InvalidDataException($"vocabulary mismatch: the run in {runPath} was trained on a vocabulary of {run["vocab_size"]}, the data in {data.Path} has {data.VocabSize} ({data.Meta["tokenizer"]})");
    }

    private static string Prompt(string start)
    {
        if (!start.StartsWith("FILE:", StringComparison.Ordinal)) return start;
        string path = start["FILE:".Length..];
        return Nabla.Data.InputFile.DecodeUtf8(Nabla.Data.InputFile.ReadBytes(path, 16 << 20, "prompt file"), $"prompt file '{path}'", replaceInvalid: false);
    }

    private static int[] Encode(Tokenizer tokenizer, string prompt)
    {
        if (prompt.Length == 0) throw new UsageException("--start: the prompt is empty (the default is a newline)");
        try { return tokenizer.EncodeOrdinary(prompt); }
        catch (ArgumentException e) { throw new UsageException($"--start: {e.Message}"); }
    }

    /// <summary>Writes tokens as they come; a character split across tokens (byte-level BPE) waits for its last byte.</summary>
    internal sealed class TokenStream(Tokenizer tokenizer, TextWriter output)
    {
        private readonly Decoder decoder = Encoding.UTF8.GetDecoder();
        private readonly char[] chars = new char[64];

        public void Write(int token)
        {
            ReadOnlySpan<byte> bytes = tokenizer.TokenBytes(token);
            Span<char> buffer = chars.Length >= Encoding.UTF8.GetMaxCharCount(bytes.Length) ? chars : new char[Encoding.UTF8.GetMaxCharCount(bytes.Length)];
            int count = decoder.GetChars(bytes, buffer, flush: false);
            output.Write(buffer[..count]);
            output.Flush();
        }

        public void Write(IEnumerable<int> tokens)
        {
            foreach (int token in tokens) Write(token);
        }

        public void End()
        {
            int count = decoder.GetChars(ReadOnlySpan<byte>.Empty, chars, flush: true);
            output.Write(chars.AsSpan(0, count));
            output.WriteLine();
        }
    }

    /// <summary>One short sample for samples.txt during training: from a newline (or token 0), nanoGPT's sampling settings.</summary>
    internal static string TrainingSample(Gpt model, Tokenizer tokenizer, int tokens, Generator generator) =>
        tokenizer.Decode(model.Generate(NewlineStart(tokenizer), tokens, generator, SampleSettings(tokenizer)));

    /// <summary>A newline as the first token, or token 0 where the vocabulary has none.</summary>
    internal static int[] NewlineStart(Tokenizer tokenizer)
    {
        int[] start;
        try { start = tokenizer.EncodeOrdinary("\n"); }
        catch (ArgumentException) { start = [0]; }
        return start.Length > 0 ? start : [0];
    }

    /// <summary>nanoGPT's sample.py settings: temperature 0.8, top-k 200.</summary>
    internal static SamplingOptions SampleSettings(Tokenizer tokenizer) => new(0.8f, Math.Min(200, tokenizer.VocabSize));

    internal static string Format(float value) => value.ToString("F4", CultureInfo.InvariantCulture);
}
