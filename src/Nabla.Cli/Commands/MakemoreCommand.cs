using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Nabla.Data;
using Nabla.Models;
using Nabla.Optim;
using Nabla.Tensors;
using Nabla.Training;

namespace Nabla.Cli;

/// <summary>
/// <c>nabla makemore</c>: trains a character-level model on a file of one item per line (names.txt by default)
/// with the shared training loop and run directory, then prints samples in makemore's three groups: in the
/// training set, in the test set, and new. <c>--resume</c> continues from the run's latest checkpoint;
/// <c>--sample-only</c> samples from its best one.
/// </summary>
internal static class MakemoreCommand
{
    public const int MaxSize = 4096, MaxSamples = 10_000;

    private static readonly Option<string?> TypeOption = new("--type") { Description = $"Model: {string.Join(", ", MakemoreModels.Names)} (read from the run's config.json on --resume or --sample-only)" };
    private static readonly Option<string?> InputOption = new("--input", "-i") { Description = "File of one item per line [default: names.txt, found in NABLA_DATA_DIR, the cache, or downloaded]" };
    private static readonly Option<string?> OutOption = new("--out", "-o") { Description = "Run directory [default: runs/makemore-TYPE]" };
    private static readonly Option<int?> MaxStepsOption = new("--max-steps") { Description = "Optimizer steps [default: the model's recipe, e.g. 200,000 for mlp]" };
    private static readonly Option<bool> ResumeOption = new("--resume") { Description = "Continue from the run directory's latest checkpoint" };
    private static readonly Option<bool> SampleOnlyOption = new("--sample-only") { Description = "Only sample from the run directory's best checkpoint" };
    private static readonly Option<int> SeedOption = new("--seed") { Description = "Seed of the initial weights, the data order and sampling", DefaultValueFactory = _ => 3407 };
    private static readonly Option<int?> TopKOption = new("--top-k") { Description = "Sample only from the k most likely characters [default: all]" };
    private static readonly Option<float> TemperatureOption = new("--temperature") { Description = "Sampling temperature (below 1 sharper, above 1 flatter)", DefaultValueFactory = _ => 1f };
    private static readonly Option<int> NumSamplesOption = new("--num-samples") { Description = "Items to sample at the end", DefaultValueFactory = _ => 30 };
    private static readonly Option<int?> NLayerOption = new("--n-layer") { Description = "Layers (transformer)" };
    private static readonly Option<int?> NHeadOption = new("--n-head") { Description = "Attention heads (transformer)" };
    private static readonly Option<int?> NEmbdOption = new("--n-embd") { Description = "Embedding width" };
    private static readonly Option<int?> NEmbd2Option = new("--n-embd2") { Description = "Hidden width" };
    private static readonly Option<int?> BlockSizeOption = new("--block-size") { Description = "Characters of context" };
    private static readonly Option<int?> BatchSizeOption = new("--batch-size") { Description = "Examples per step" };
    private static readonly Option<float?> LearningRateOption = new("--learning-rate") { Description = "Learning rate (SGD recipes divide it by 10 at their decay step)" };
    private static readonly Option<float?> WeightDecayOption = new("--weight-decay") { Description = "Weight decay (AdamW)" };
    private static readonly Option<float?> DropoutOption = new("--dropout") { Description = "Dropout probability (sequence models)" };
    private static readonly Option<int?> EvalIntervalOption = new("--eval-interval") { Description = "Evaluate, sample and save a checkpoint every N steps" };
    private static readonly Option<string?> SplitOption = new("--split") { Description = "makemore (seeded, 1000 test items) or lecture (random.seed(42) shuffle, 80/10/10) [default: the model's]" };

    public static Command Create()
    {
        var command = new Command("makemore", "Train a character-level model (bigram to Transformer) that makes more items like those of a file");
        foreach (Option option in new Option[] { TypeOption, InputOption, OutOption, MaxStepsOption, ResumeOption, SampleOnlyOption, SeedOption,
                     TopKOption, TemperatureOption, NumSamplesOption, NLayerOption, NHeadOption, NEmbdOption, NEmbd2Option, BlockSizeOption,
                     BatchSizeOption, LearningRateOption, WeightDecayOption, DropoutOption, EvalIntervalOption, SplitOption })
            command.Options.Add(option);
        command.SetAction(parse => Run(parse, parse.InvocationConfiguration.Output));
        return command;
    }

    private static int Run(ParseResult parse, TextWriter output)
    {
        bool resume = parse.GetValue(ResumeOption), sampleOnly = parse.GetValue(SampleOnlyOption);
        if (resume && sampleOnly) throw new UsageException("--resume and --sample-only exclude each other");
        string? type = parse.GetValue(TypeOption);
        string? outPath = parse.GetValue(OutOption);
        if (outPath is null && type is null) throw new UsageException("--type is required (or --out RUN_DIR with --resume or --sample-only)");
        var run = new RunDirectory(outPath ?? Path.Combine("runs", $"makemore-{type}"));
        JsonObject? saved = run.ReadConfig();
        if (resume || sampleOnly)
        {
            if (saved is null) throw new FileNotFoundException($"{run.ConfigPath} not found: --resume and --sample-only need a run made by nabla makemore");
            string savedType = saved["type"]?.GetValue<string>() ?? throw new InvalidDataException($"{run.ConfigPath}: no 'type'");
            if (type is not null && type != savedType)
                throw new UsageException($"--type {type}: the run in {run.Path} trains a '{savedType}' model");
            type = savedType;
        }
        if (!MakemoreModels.Names.Contains(type)) throw new UsageException($"--type: unknown model '{type}' (known: {string.Join(", ", MakemoreModels.Names)})");

        string input = parse.GetValue(InputOption) ?? saved?["input"]?.GetValue<string>() ?? Datasets.Resolve("names.txt");
        Words words = Words.Load(input);
        MakemoreRecipe recipe = Recipe(parse, type!, words, resume || sampleOnly ? saved : null);
        var sampling = SamplingOptions(parse, words);
        int seed = parse.GetValue(SeedOption);
        CharModel model = MakemoreModels.Create(type!, recipe.Model, new Generator((ulong)seed));
        WordSplits splits = words.Split(recipe.Split, recipe.Split == WordSplit.Lecture ? 42UL : (ulong)seed);
        output.WriteLine($"{words.Items.Count:N0} items from {input}, vocabulary {words.VocabularySize} ({words.Characters}), longest {words.MaxLength}");
        output.WriteLine($"{type}: {model.ParameterCount():N0} parameters; split {recipe.Split.ToString().ToLowerInvariant()}: {splits.Train.Count:N0} train, {splits.Val.Count:N0} val, {splits.Test.Count:N0} test");

        if (!sampleOnly)
        {
            if (!resume && File.Exists(run.LatestCheckpoint))
                throw new UsageException($"{run.Path} already holds a run: pass --resume to continue it, or choose another --out");
            Train(run, recipe, model, words, splits, seed, input, resume, output);
        }
        string checkpoint = File.Exists(run.BestCheckpoint) ? run.BestCheckpoint : run.LatestCheckpoint;
        if (!File.Exists(checkpoint)) throw new FileNotFoundException($"no checkpoint in {run.CheckpointsPath} to sample from");
        Checkpoint.LoadModel(checkpoint, type!, model);
        PrintSamples(sampling, model, words, splits, seed, output);
        return NablaApp.ExitOk;
    }

    private static void Train(RunDirectory run, MakemoreRecipe recipe, CharModel model, Words words, WordSplits splits, int seed, string input, bool resume, TextWriter output)
    {
        var data = new MakemoreData(words, splits, model, recipe.BatchSize);
        if (model is ICountingModel counting)
        {
            // Trained by counting: one pass over the training examples, nothing to resume.
            if (!resume) run.WriteConfig(Config(recipe, input, seed));
            var (x, y) = words.Contexts(splits.Train, model.BlockSize);
            counting.Fit(x, y);
            float train = data.Evaluate(model, Split.Train), val = data.Evaluate(model, Split.Val);
            Checkpoint.Save(run.LatestCheckpoint, recipe.Type, model, optimizer: null,
                new TrainingState(0, val, Generator.Default.State, Generator.Default.State, []));
            File.Copy(run.LatestCheckpoint, run.BestCheckpoint, overwrite: true);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"counted {x.Size(0):N0} examples: train loss {train:F4}, val loss {val:F4}; run in {run.Path}"));
            return;
        }
        Optimizer optimizer = recipe.Optimizer == OptimizerKind.Sgd
            ? new Sgd(model.Parameters(), recipe.LearningRate, weightDecay: recipe.WeightDecay)
            : new AdamW(model.Parameters(), recipe.LearningRate, beta2: 0.99f, weightDecay: recipe.WeightDecay);
        LearningRateSchedule schedule = recipe.DecayStep is int decay
            ? new LearningRateSchedule.StepDecay(recipe.LearningRate, decay, 0.1f)
            : new LearningRateSchedule.Constant(recipe.LearningRate);
        var options = new TrainerOptions
        {
            MaxSteps = recipe.MaxSteps, Schedule = schedule, ClipNorm = null,
            EvalInterval = recipe.EvalInterval, LogInterval = Math.Max(1, Math.Min(100, recipe.EvalInterval / 10)), Seed = (ulong)seed,
        };
        if (!resume) run.WriteConfig(Config(recipe, input, seed));

        int trainSample = model.PredictsEveryPosition ? 1000 : 20_000;
        TrainingResult result = CtrlC.Cancels(cancel => TrainingProgress.Run($"makemore {recipe.Type}", recipe.MaxSteps, output, reporter =>
        {
            var trainer = new Trainer(recipe.Type, model, optimizer, data.Batch, model.Loss, options, run)
            {
                EvaluateSplit = split => data.Evaluate(model, split, split == Split.Train ? trainSample : int.MaxValue),
                Sample = g => string.Join(" ", model.Sample(10, words.MaxLength * 2, g).Select(words.Decode)),
                OnStep = m => reporter.Step(m.Step, string.Create(CultureInfo.InvariantCulture,
                    $"loss {m.TrainLoss:F4}{(m.ValLoss is float v ? $"  val {v:F4}" : "")}  lr {m.LearningRate:G3}  {m.TokensPerSecond:N0} tok/s")),
                OnMessage = reporter.Line,
            };
            return trainer.Run(resume, cancel);
        }, logEvery: options.LogInterval));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{(result.Interrupted ? "interrupted" : "done")} at step {result.Step}: best val loss {result.BestValLoss:F4}; run in {run.Path}"));
        foreach (string picture in RunPlots.Write(run, vocabulary: words.Characters)) output.WriteLine($"plot: {picture}");
        if (result.Interrupted) throw new OperationCanceledException($"interrupted at step {result.Step}; continue with --resume --out {run.Path}");
    }

    /// <summary>The model's recipe, with what config.json saved (on resume) and then the options given on top.</summary>
    private static MakemoreRecipe Recipe(ParseResult parse, string type, Words words, JsonObject? saved)
    {
        MakemoreRecipe recipe = MakemoreRecipe.For(type, words);
        MakemoreConfig model = recipe.Model;
        int? Saved(string key) => saved?[key]?.GetValue<int>();
        float? SavedFloat(string key) => saved?[key]?.GetValue<float>();
        model = model with
        {
            NLayer = Positive(parse.GetValue(NLayerOption) ?? Saved("n_layer") ?? model.NLayer, "--n-layer"),
            NHead = Positive(parse.GetValue(NHeadOption) ?? Saved("n_head") ?? model.NHead, "--n-head"),
            NEmbd = Positive(parse.GetValue(NEmbdOption) ?? Saved("n_embd") ?? model.NEmbd, "--n-embd"),
            NEmbd2 = Positive(parse.GetValue(NEmbd2Option) ?? Saved("n_embd2") ?? model.NEmbd2, "--n-embd2"),
            BlockSize = Positive(parse.GetValue(BlockSizeOption) ?? Saved("block_size") ?? model.BlockSize, "--block-size"),
            Dropout = parse.GetValue(DropoutOption) ?? SavedFloat("dropout") ?? model.Dropout,
        };
        if (!(model.Dropout >= 0f && model.Dropout < 1f)) throw new UsageException($"--dropout must be in [0, 1), got {model.Dropout}");
        string? split = parse.GetValue(SplitOption) ?? saved?["split"]?.GetValue<string>();
        recipe = recipe with
        {
            Model = model,
            Split = split switch
            {
                null => recipe.Split,
                "makemore" => WordSplit.Makemore,
                "lecture" => WordSplit.Lecture,
                _ => throw new UsageException($"--split must be makemore or lecture, got '{split}'"),
            },
            MaxSteps = Positive(parse.GetValue(MaxStepsOption) ?? Saved("max_steps") ?? recipe.MaxSteps, "--max-steps", int.MaxValue),
            BatchSize = Positive(parse.GetValue(BatchSizeOption) ?? Saved("batch_size") ?? recipe.BatchSize, "--batch-size"),
            LearningRate = parse.GetValue(LearningRateOption) ?? SavedFloat("learning_rate") ?? recipe.LearningRate,
            WeightDecay = parse.GetValue(WeightDecayOption) ?? SavedFloat("weight_decay") ?? recipe.WeightDecay,
            EvalInterval = Positive(parse.GetValue(EvalIntervalOption) ?? Saved("eval_interval") ?? recipe.EvalInterval, "--eval-interval", int.MaxValue),
        };
        if (!(recipe.LearningRate > 0f)) throw new UsageException($"--learning-rate must be positive, got {recipe.LearningRate}");
        if (!(recipe.WeightDecay >= 0f)) throw new UsageException($"--weight-decay must be ≥ 0, got {recipe.WeightDecay}");
        return recipe;
    }

    private static int Positive(int value, string option, int max = MaxSize * 64) =>
        value >= 1 && value <= max ? value : throw new UsageException($"{option} must be in [1, {max:N0}], got {value}");

    private static JsonObject Config(MakemoreRecipe recipe, string input, int seed) => new()
    {
        ["job"] = "makemore",
        ["type"] = recipe.Type,
        ["input"] = Path.GetFullPath(input),
        ["seed"] = seed,
        ["split"] = recipe.Split == WordSplit.Lecture ? "lecture" : "makemore",
        ["vocab_size"] = recipe.Model.VocabularySize,
        ["block_size"] = recipe.Model.BlockSize,
        ["n_embd"] = recipe.Model.NEmbd,
        ["n_embd2"] = recipe.Model.NEmbd2,
        ["n_layer"] = recipe.Model.NLayer,
        ["n_head"] = recipe.Model.NHead,
        ["dropout"] = recipe.Model.Dropout,
        ["batch_size"] = recipe.BatchSize,
        ["max_steps"] = recipe.MaxSteps,
        ["optimizer"] = recipe.Optimizer == OptimizerKind.Sgd ? "sgd" : "adamw",
        ["learning_rate"] = recipe.LearningRate,
        ["lr_decay_step"] = recipe.DecayStep,
        ["weight_decay"] = recipe.WeightDecay,
        ["eval_interval"] = recipe.EvalInterval,
    };

    /// <summary>Samples, sorted into makemore's three groups: already in the training set, in the test set, and new.</summary>
    /// <summary>The sampling options, checked before any training so a bad one costs nothing.</summary>
    private static (int Count, float Temperature, int? TopK) SamplingOptions(ParseResult parse, Words words)
    {
        int count = parse.GetValue(NumSamplesOption);
        if (count is < 1 or > MaxSamples) throw new UsageException($"--num-samples must be in [1, {MaxSamples:N0}], got {count}");
        float temperature = parse.GetValue(TemperatureOption);
        if (!(temperature > 0f && float.IsFinite(temperature))) throw new UsageException($"--temperature must be positive, got {temperature}");
        int? topK = parse.GetValue(TopKOption);
        if (topK is int k && (k < 1 || k > words.VocabularySize)) throw new UsageException($"--top-k must be in [1, {words.VocabularySize}], got {k}");
        return (count, temperature, topK);
    }

    private static void PrintSamples((int Count, float Temperature, int? TopK) sampling, CharModel model, Words words, WordSplits splits, int seed, TextWriter output)
    {
        var (count, temperature, topK) = sampling;
        var samples = model.Sample(count, words.MaxLength * 2, new Generator((ulong)seed + 7), temperature, topK).Select(words.Decode).ToList();
        var train = splits.Train.ToHashSet();
        var test = splits.Test.ToHashSet();
        var groups = new (string Title, List<string> Items)[]
        {
            ("in train", samples.Where(train.Contains).ToList()),
            ("in test", samples.Where(s => !train.Contains(s) && test.Contains(s)).ToList()),
            ("new", samples.Where(s => !train.Contains(s) && !test.Contains(s)).ToList()),
        };
        foreach (var (title, items) in groups)
        {
            output.WriteLine($"{items.Count} samples that are {title}:");
            foreach (string item in items) output.WriteLine($"  {item}");
        }
    }
}
