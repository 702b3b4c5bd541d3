using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Nabla.Models;
using Nabla.Optim;
using Nabla.Tensors;
using Nabla.Training;

namespace Nabla.Cli;

/// <summary>
/// <c>nabla gpt train</c>: nanoGPT's train.py on the shared training loop. A built-in config or a JSON file, then
/// any key as an option (<c>--max_iters 500</c>, <c>--n-layer=2</c>); AdamW with weight decay on the 2-D weights
/// only, linear warm-up and cosine decay, gradient clipping and accumulation, evaluation on random batches of both
/// splits, the best checkpoint, and a sample at each evaluation. Ctrl+C saves; <c>--resume</c> continues.
/// </summary>
internal static class GptTrainCommand
{
    private static readonly Option<string?> ConfigOption = new("--config", "-c") { Description = $"Built-in config ({string.Join(", ", GptTrainConfig.BuiltIn.Keys)}) or a .json file of keys; any key may follow as --key value" };
    private static readonly Option<string?> DataOption = new("--data", "-d") { Description = "Data folder made by nabla gpt prepare [default: the config's dataset, prepared once into the cache; on --resume: the run's]" };
    private static readonly Option<string?> OutOption = new("--out", "-o") { Description = "Run folder [default: runs/CONFIG, or runs/CONFIG-2, -3, … when that holds a run]" };
    private static readonly Option<bool> ResumeOption = new("--resume") { Description = "Continue from the run folder's latest checkpoint" };

    public static Command Create()
    {
        var command = new Command("train", "Train a GPT on a data folder (nanoGPT's train.py); config keys may be given as --key value")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        foreach (Option option in new Option[] { ConfigOption, DataOption, OutOption, ResumeOption })
            command.Options.Add(option);
        command.SetAction(parse => Run(parse, parse.InvocationConfiguration.Output));
        return command;
    }

    private static int Run(ParseResult parse, TextWriter output)
    {
        bool resume = parse.GetValue(ResumeOption);
        string? configName = parse.GetValue(ConfigOption);
        string outPath = parse.GetValue(OutOption) ?? (resume ? throw new UsageException("--resume needs --out, the run folder to continue")
            : FreeRunFolder(configName is null ? "gpt" : Path.GetFileNameWithoutExtension(configName)));
        if (File.Exists(outPath)) throw new UsageException($"--out '{outPath}' is a file, not a folder");
        string? dataPath = parse.GetValue(DataOption);
        JsonObject? saved = Directory.Exists(outPath) && File.Exists(Path.Combine(outPath, "config.json")) ? new RunDirectory(outPath).ReadConfig() : null;

        GptTrainConfig config;
        if (resume)
        {
            if (saved is null || saved["job"]?.ToString() != GptCommand.ModelKind)
                throw new UsageException($"--resume: '{outPath}' holds no run of nabla gpt train");
            config = Checked(() => configName is null ? GptTrainConfig.FromRun(saved, Path.Combine(outPath, "config.json")) : GptTrainConfig.Load(configName));
            dataPath ??= saved["data"]?.ToString();
        }
        else
        {
            if (configName is null) throw new UsageException($"--config is required ({string.Join(", ", GptTrainConfig.BuiltIn.Keys)}, or a .json file)");
            config = Checked(() => GptTrainConfig.Load(configName));
        }
        var explicitKeys = new HashSet<string>(StringComparer.Ordinal);
        if (configName is not null && !GptTrainConfig.BuiltIn.ContainsKey(configName)) explicitKeys.UnionWith(FileKeys(configName));
        config = Overrides(parse.UnmatchedTokens, config, explicitKeys);
        if (dataPath is null)
        {
            dataPath = GptDatasets.Resolve(config.Dataset, out PreparedCounts? prepared);
            if (prepared is not null)
                output.WriteLine($"prepared {config.Dataset} in {dataPath}: vocabulary {prepared.VocabSize:N0}; train {prepared.TrainTokens:N0} tokens, val {prepared.ValTokens:N0} tokens");
        }

        GptData data = GptData.Load(dataPath);
        config = Checked(() => config.Validate(data.VocabSize));
        var run = new RunDirectory(outPath);
        if (!resume && File.Exists(run.LatestCheckpoint))
            throw new UsageException($"{run.Path} already holds a run: pass --resume to continue it, or choose another --out");
        if (resume) GptCommand.RequireRunVocabulary(saved!, run.Path, data);

        Gpt model;
        if (!resume && config.InitFrom != GptTrainConfig.Scratch)
        {
            GptTrainConfig requested = config;
            (config, model) = Checked(() => GptPretrainedInit.Load(requested, explicitKeys, data.VocabSize));
            output.WriteLine($"init_from {config.InitFrom}: pretrained GPT-2 weights");
        }
        else model = new Gpt(config.Model(data.VocabSize), new Generator((ulong)config.Seed));
        output.WriteLine($"{data.Path}: {data.Train.Length:N0} train and {data.Val.Length:N0} val tokens, vocabulary {data.VocabSize:N0} ({data.Meta["tokenizer"]})");
        output.WriteLine($"GPT: {config.NLayer} layers, {config.NHead} heads, width {config.NEmbd}, block {config.BlockSize}: " +
                         $"{model.ParameterCount():N0} parameters ({model.NonEmbeddingParameterCount():N0} without position embeddings)");

        var optimizer = config.Optimizer(model);
        var options = new TrainerOptions
        {
            MaxSteps = config.MaxIters,
            Schedule = config.Schedule(),
            GradientAccumulation = config.GradientAccumulationSteps,
            ClipNorm = config.GradClip > 0f ? config.GradClip : null,
            EvalInterval = config.EvalInterval,
            EvalBatches = config.EvalIters,
            LogInterval = config.LogInterval,
            Seed = (ulong)config.Seed,
        };
        if (!resume) run.WriteConfig(RunConfig(config, configName!, data));

        TrainingResult result = CtrlC.Cancels(cancel => TrainingProgress.Run("gpt train", config.MaxIters, output, reporter =>
        {
            var trainer = new Trainer(GptCommand.ModelKind, model, optimizer,
                (split, g) => GptData.Batch(split == Split.Train ? data.Train : data.Val, config.BatchSize, config.BlockSize, g),
                model.Loss, options, run)
            {
                Sample = config.SampleTokens > 0 ? g => GptCommand.TrainingSample(model, data.Tokenizer, config.SampleTokens, g) : null,
                OnStep = m => reporter.Step(m.Step, string.Create(CultureInfo.InvariantCulture,
                    $"loss {m.TrainLoss:F4}{(m.ValLoss is float v ? $"  train {m.EvalTrainLoss:F4}  val {v:F4}" : "")}  lr {m.LearningRate:G3}  {m.TokensPerSecond:N0} tok/s  {m.ElapsedSeconds:F1} s")),
                OnMessage = reporter.Line,
            };
            return trainer.Run(resume, cancel);
        }, logEvery: config.LogInterval));
        output.WriteLine($"{(result.Interrupted ? "interrupted" : "done")} at step {result.Step}: best val loss {GptCommand.Format(result.BestValLoss)}; run in {run.Path}");
        foreach (string picture in RunPlots.Write(run)) output.WriteLine($"plot: {picture}");
        if (result.Interrupted) throw new OperationCanceledException($"interrupted at step {result.Step}; continue with --resume --out {run.Path}");
        WriteSample(model, data, config, output);
        return NablaApp.ExitOk;
    }

    /// <summary>What the trained model writes, streamed: nanoGPT's sample.py settings, from a newline.</summary>
    private static void WriteSample(Gpt model, GptData data, GptTrainConfig config, TextWriter output)
    {
        const int tokens = 500;
        output.WriteLine($"sample ({tokens} tokens, temperature 0.8, top-k 200; more with: nabla gpt sample --run RUN_DIR):");
        var stream = new GptCommand.TokenStream(data.Tokenizer, output);
        int[] start = GptCommand.NewlineStart(data.Tokenizer);
        stream.Write(start);
        model.Generate(start, tokens, new Generator((ulong)config.Seed), GptCommand.SampleSettings(data.Tokenizer), stream.Write);
        stream.End();
    }

    /// <summary>runs/NAME, or the first of runs/NAME-2, runs/NAME-3, … that holds no run yet (no config.json, which a
    /// run writes before its first step). Only looks: the folder is made once the data and the config are known good.</summary>
    private static string FreeRunFolder(string name)
    {
        string folder = Path.Combine("runs", name);
        for (int i = 2; File.Exists(Path.Combine(folder, "config.json")); i++)
            folder = Path.Combine("runs", $"{name}-{i}");
        return folder;
    }

    /// <summary>The config keys given as options: <c>--key value</c> or <c>--key=value</c>, '-' or '_' in the key.</summary>
    private static GptTrainConfig Overrides(IReadOnlyList<string> tokens, GptTrainConfig config, HashSet<string> given)
    {
        for (int i = 0; i < tokens.Count; i++)
        {
            string token = tokens[i];
            if (!token.StartsWith("--", StringComparison.Ordinal) || token.Length == 2)
                throw new UsageException($"unexpected argument '{token}' (config keys are given as --key value)");
            string key = token[2..], value;
            int equals = key.IndexOf('=');
            if (equals >= 0) (key, value) = (key[..equals], key[(equals + 1)..]);
            else if (i + 1 < tokens.Count) value = tokens[++i];
            else throw new UsageException($"--{key} needs a value");
            GptTrainConfig current = config;
            config = Checked(() => current.With(key, value, $"--{key}"));
            given.Add(key.Replace('-', '_'));
        }
        return config;
    }

    /// <summary>The keys a JSON config file sets (it has been read once already, so it parses).</summary>
    private static IEnumerable<string> FileKeys(string path) =>
        JsonNode.Parse(File.ReadAllText(path)) is JsonObject json ? json.Select(pair => pair.Key) : [];

    /// <summary>Config problems are usage errors: one line, exit code 2.</summary>
    private static T Checked<T>(Func<T> read)
    {
        try { return read(); }
        catch (ArgumentException e) { throw new UsageException(e.Message); }
    }

    private static JsonObject RunConfig(GptTrainConfig config, string configName, GptData data)
    {
        JsonObject json = config.ToJson();
        json["job"] = GptCommand.ModelKind;
        json["config"] = configName;
        json["data"] = data.Path;
        foreach (var (key, value) in data.Meta) json[key] = value?.DeepClone();   // tokenizer, vocab_size, chars
        return json;
    }
}
