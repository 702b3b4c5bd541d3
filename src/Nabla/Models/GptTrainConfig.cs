using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Nabla.Optim;
using Nabla.Tensors;

namespace Nabla.Models;

/// <summary>
/// Everything <c>nabla gpt train</c> needs besides the data, under nanoGPT's names (<c>n_layer</c>,
/// <c>learning_rate</c>, <c>lr_decay_iters</c>, ...), so its config files read the same. A config starts from a
/// built-in recipe; a JSON file and <c>--key value</c> options change single keys. An unknown key or a value of
/// the wrong type is an error naming the key and where it came from.
/// </summary>
public sealed record GptTrainConfig
{
    // The data: a folder known by name (GptDatasets), used when no data folder is given.
    public string Dataset { get; init; } = "shakespeare_char";
    // The model.
    public int NLayer { get; init; } = 6;
    public int NHead { get; init; } = 6;
    public int NEmbd { get; init; } = 384;
    public int BlockSize { get; init; } = 256;
    public float Dropout { get; init; } = 0.2f;
    public bool Bias { get; init; }
    public string Gelu { get; init; } = "exact";
    /// <summary>"scratch" (random weights), or pretrained GPT-2 weights: a Hugging Face folder or a model name
    /// (gpt2, gpt2-medium, gpt2-large, gpt2-xl) in the cache. The checkpoint then sets the model keys.</summary>
    public string InitFrom { get; init; } = Scratch;
    // The optimization.
    public int BatchSize { get; init; } = 64;
    public int GradientAccumulationSteps { get; init; } = 1;
    public int MaxIters { get; init; } = 5000;
    public float LearningRate { get; init; } = 1e-3f;
    public bool DecayLr { get; init; } = true;
    public int WarmupIters { get; init; } = 100;
    public int LrDecayIters { get; init; } = 5000;
    public float MinLr { get; init; } = 1e-4f;
    public float WeightDecay { get; init; } = 0.1f;
    public float Beta1 { get; init; } = 0.9f;
    public float Beta2 { get; init; } = 0.99f;
    public float GradClip { get; init; } = 1f;
    // Evaluation, logging, samples.
    public int EvalInterval { get; init; } = 250;
    public int EvalIters { get; init; } = 200;
    public int LogInterval { get; init; } = 10;
    public int SampleTokens { get; init; } = 200;
    public int Seed { get; init; } = 1337;

    /// <summary>nanoGPT's config/train_shakespeare_char.py: a 10.7M-parameter character model (a GPU recipe).</summary>
    public static GptTrainConfig ShakespeareChar { get; } = new();

    /// <summary>The same, shrunk as nanoGPT's README does for a CPU: 4 layers, 4 heads, width 128, context 64, batch 12, 2,000 steps, no dropout.</summary>
    public static GptTrainConfig ShakespeareCharCpu { get; } = new()
    {
        NLayer = 4, NHead = 4, NEmbd = 128, BlockSize = 64, Dropout = 0f, BatchSize = 12,
        MaxIters = 2000, LrDecayIters = 2000, EvalIters = 20, LogInterval = 1,
    };

    public const string Scratch = "scratch";

    /// <summary>nanoGPT's config/finetune_shakespeare.py: GPT-2 fine-tuned on tinyshakespeare in GPT-2 tokens (data
    /// from <c>nabla gpt prepare --tokenizer gpt2</c>): 1 sequence × 32 accumulated = 32,768 tokens a step, 20 steps
    /// at a constant 3e-5, evaluated every 5 on 40 batches. nanoGPT starts from gpt2-xl; here from gpt2 (124M), which
    /// a CPU fine-tunes in reasonable time (<c>--init_from gpt2-xl</c> for nanoGPT's). The model keys come from the
    /// checkpoint; the rest are nanoGPT's train.py defaults: no dropout, AdamW (0.9, 0.95), weight decay 0.1, clip 1.</summary>
    public static GptTrainConfig Gpt2Shakespeare { get; } = new()
    {
        Dataset = "shakespeare", InitFrom = "gpt2", NLayer = 12, NHead = 12, NEmbd = 768, BlockSize = 1024, Dropout = 0f, Bias = true, Gelu = "tanh",
        BatchSize = 1, GradientAccumulationSteps = 32, MaxIters = 20, LearningRate = 3e-5f, DecayLr = false,
        EvalInterval = 5, EvalIters = 40, LogInterval = 1, Beta2 = 0.95f, WeightDecay = 0.1f, GradClip = 1f,
    };

    public static IReadOnlyDictionary<string, GptTrainConfig> BuiltIn { get; } = new Dictionary<string, GptTrainConfig>
    {
        ["shakespeare-char"] = ShakespeareChar,
        ["shakespeare-char-cpu"] = ShakespeareCharCpu,
        ["gpt2-shakespeare"] = Gpt2Shakespeare,
    };

    private sealed record Field(string Key, Func<GptTrainConfig, JsonNode> Get, Func<GptTrainConfig, string, string, GptTrainConfig> Set);

    private static readonly Field[] Fields =
    [
        new("dataset", c => c.Dataset, (c, v, where) => GptDatasets.Known.ContainsKey(v) ? c with { Dataset = v }
            : throw Bad("dataset", v, $"a known dataset ({string.Join(", ", GptDatasets.Known.Keys)})", where)),
        Int("n_layer", c => c.NLayer, (c, v) => c with { NLayer = v }),
        Int("n_head", c => c.NHead, (c, v) => c with { NHead = v }),
        Int("n_embd", c => c.NEmbd, (c, v) => c with { NEmbd = v }),
        Int("block_size", c => c.BlockSize, (c, v) => c with { BlockSize = v }),
        Float("dropout", c => c.Dropout, (c, v) => c with { Dropout = v }),
        Bool("bias", c => c.Bias, (c, v) => c with { Bias = v }),
        new("gelu", c => c.Gelu, (c, v, where) => v is "exact" or "tanh" ? c with { Gelu = v } : throw Bad("gelu", v, "exact or tanh", where)),
        new("init_from", c => c.InitFrom, (c, v, where) => v.Length > 0 ? c with { InitFrom = v } : throw Bad("init_from", v, "scratch, a GPT-2 model name or a Hugging Face folder", where)),
        Int("batch_size", c => c.BatchSize, (c, v) => c with { BatchSize = v }),
        Int("gradient_accumulation_steps", c => c.GradientAccumulationSteps, (c, v) => c with { GradientAccumulationSteps = v }),
        Int("max_iters", c => c.MaxIters, (c, v) => c with { MaxIters = v }),
        Float("learning_rate", c => c.LearningRate, (c, v) => c with { LearningRate = v }),
        Bool("decay_lr", c => c.DecayLr, (c, v) => c with { DecayLr = v }),
        Int("warmup_iters", c => c.WarmupIters, (c, v) => c with { WarmupIters = v }),
        Int("lr_decay_iters", c => c.LrDecayIters, (c, v) => c with { LrDecayIters = v }),
        Float("min_lr", c => c.MinLr, (c, v) => c with { MinLr = v }),
        Float("weight_decay", c => c.WeightDecay, (c, v) => c with { WeightDecay = v }),
        Float("beta1", c => c.Beta1, (c, v) => c with { Beta1 = v }),
        Float("beta2", c => c.Beta2, (c, v) => c with { Beta2 = v }),
        Float("grad_clip", c => c.GradClip, (c, v) => c with { GradClip = v }),
        Int("eval_interval", c => c.EvalInterval, (c, v) => c with { EvalInterval = v }),
        Int("eval_iters", c => c.EvalIters, (c, v) => c with { EvalIters = v }),
        Int("log_interval", c => c.LogInterval, (c, v) => c with { LogInterval = v }),
        Int("sample_tokens", c => c.SampleTokens, (c, v) => c with { SampleTokens = v }),
        Int("seed", c => c.Seed, (c, v) => c with { Seed = v }),
    ];

    public static IEnumerable<string> Keys => Fields.Select(f => f.Key);

    /// <summary>A built-in recipe by name, or a JSON file of keys over <see cref="ShakespeareChar"/> (or over the built-in its "base" key names).</summary>
    public static GptTrainConfig Load(string nameOrFile)
    {
        if (BuiltIn.TryGetValue(nameOrFile, out GptTrainConfig? config)) return config;
        if (!nameOrFile.EndsWith(".json", StringComparison.OrdinalIgnoreCase) && !File.Exists(nameOrFile))
            throw new ArgumentException($"--config: '{nameOrFile}' is neither a built-in config ({string.Join(", ", BuiltIn.Keys)}) nor a .json file");
        if (!File.Exists(nameOrFile)) throw new FileNotFoundException($"config file '{nameOrFile}' not found");
        JsonObject json;
        try { json = JsonNode.Parse(File.ReadAllText(nameOrFile)) as JsonObject ?? throw new InvalidDataException($"config file '{nameOrFile}': not a JSON object"); }
        catch (JsonException e) { throw new InvalidDataException($"config file '{nameOrFile}': not valid JSON ({e.Message})"); }
        GptTrainConfig start = ShakespeareChar;
        if (json["base"] is JsonNode b)
        {
            string name = b is JsonValue bv && bv.TryGetValue(out string? s) ? s : "";
            start = BuiltIn.TryGetValue(name, out GptTrainConfig? found) ? found
                : throw new ArgumentException($"config file '{nameOrFile}': base {b.ToJsonString()} is not a built-in config ({string.Join(", ", BuiltIn.Keys)})");
            json = (JsonObject)json.DeepClone();
            json.Remove("base");
        }
        return start.With(json, $"config file '{nameOrFile}'");
    }

    /// <summary>This config with every key of <paramref name="json"/> set; <paramref name="where"/> names the source in errors.</summary>
    public GptTrainConfig With(JsonObject json, string where)
    {
        GptTrainConfig config = this;
        foreach (var (key, node) in json)
        {
            string text = node switch
            {
                JsonValue v when v.TryGetValue(out string? s) => s,
                JsonValue v => v.ToJsonString(),
                _ => throw new ArgumentException($"{where}: '{key}' must be a number, true/false or a string, got {node?.ToJsonString() ?? "null"}"),
            };
            config = config.With(key, text, where);
        }
        return config;
    }

    /// <summary>This config with <paramref name="key"/> (nanoGPT's name; '-' may stand for '_') set from its text.</summary>
    public GptTrainConfig With(string key, string value, string where)
    {
        string normalized = key.Replace('-', '_');
        Field field = Fields.FirstOrDefault(f => f.Key == normalized)
            ?? throw new ArgumentException($"{where}: unknown config key '{key}' (known: {string.Join(", ", Keys)})");
        return field.Set(this, value, where);
    }

    /// <summary>Every key and value, for config.json.</summary>
    public JsonObject ToJson()
    {
        var json = new JsonObject();
        foreach (Field f in Fields) json[f.Key] = f.Get(this);
        return json;
    }

    /// <summary>The config read back from a run's config.json (only the keys this record knows).</summary>
    public static GptTrainConfig FromRun(JsonObject saved, string where)
    {
        var known = new JsonObject();
        foreach (var (key, node) in saved)
            if (Fields.Any(f => f.Key == key)) known[key] = node?.DeepClone();
        return new GptTrainConfig().With(known, where);
    }

    /// <summary>The keys that describe the network; starting from a checkpoint, they are the checkpoint's.</summary>
    public static IReadOnlyList<string> ModelKeys { get; } = ["n_layer", "n_head", "n_embd", "block_size", "bias", "gelu"];

    /// <summary>The model's sizes for a vocabulary of <paramref name="vocabSize"/>.</summary>
    public GptConfig Model(int vocabSize) => new(BlockSize, vocabSize, NLayer, NHead, NEmbd, Dropout, Bias,
        Gelu == "tanh" ? GeluApproximation.Tanh : GeluApproximation.None);

    /// <summary>
    /// nanoGPT's configure_optimizers: AdamW with two groups, weight decay on every 2-D tensor (matmul weights and
    /// the embeddings) and none on biases and LayerNorm weights.
    /// </summary>
    public AdamW Optimizer(Gpt model) => new([
        new ParameterGroup(model.Parameters().Where(p => p.Rank >= 2), weightDecay: WeightDecay),
        new ParameterGroup(model.Parameters().Where(p => p.Rank < 2), weightDecay: 0f)],
        LearningRate, Beta1, Beta2);

    /// <summary>nanoGPT's get_lr: linear warm-up, cosine decay to min_lr at lr_decay_iters; or a constant when decay_lr is off.</summary>
    public LearningRateSchedule Schedule() => DecayLr
        ? new LearningRateSchedule.WarmupCosine(LearningRate, MinLr, WarmupIters, LrDecayIters)
        : new LearningRateSchedule.Constant(LearningRate);

    /// <summary>Throws, naming the key, when a value is out of its range.</summary>
    public GptTrainConfig Validate(int vocabSize)
    {
        foreach (var (key, value) in new[] { ("batch_size", BatchSize), ("gradient_accumulation_steps", GradientAccumulationSteps),
                     ("eval_interval", EvalInterval), ("eval_iters", EvalIters), ("log_interval", LogInterval), ("lr_decay_iters", LrDecayIters) })
            if (value < 1) throw new ArgumentException($"config: {key} must be ≥ 1, got {value}");
        if (MaxIters < 0) throw new ArgumentException($"config: max_iters must be ≥ 0, got {MaxIters}");
        if (WarmupIters < 0) throw new ArgumentException($"config: warmup_iters must be ≥ 0, got {WarmupIters}");
        if (SampleTokens < 0) throw new ArgumentException($"config: sample_tokens must be ≥ 0, got {SampleTokens}");
        if (!(LearningRate > 0f) || !(MinLr >= 0f)) throw new ArgumentException($"config: learning_rate must be > 0 and min_lr ≥ 0, got {LearningRate} and {MinLr}");
        if (!(WeightDecay >= 0f) || !(GradClip >= 0f)) throw new ArgumentException($"config: weight_decay and grad_clip must be ≥ 0 (grad_clip 0 turns clipping off)");
        if (!(Beta1 >= 0f && Beta1 < 1f) || !(Beta2 >= 0f && Beta2 < 1f)) throw new ArgumentException($"config: beta1 and beta2 must be in [0, 1), got {Beta1} and {Beta2}");
        Model(vocabSize).Validate();
        return this;
    }

    private static Field Int(string key, Func<GptTrainConfig, int> get, Func<GptTrainConfig, int, GptTrainConfig> set) =>
        new(key, c => get(c), (c, v, where) => int.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int i) ? set(c, i) : throw Bad(key, v, "an integer", where));

    private static Field Float(string key, Func<GptTrainConfig, float> get, Func<GptTrainConfig, float, GptTrainConfig> set) =>
        new(key, c => get(c), (c, v, where) => float.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out float f) && float.IsFinite(f) ? set(c, f) : throw Bad(key, v, "a number", where));

    private static Field Bool(string key, Func<GptTrainConfig, bool> get, Func<GptTrainConfig, bool, GptTrainConfig> set) =>
        new(key, c => get(c), (c, v, where) => v switch { "true" or "True" => set(c, true), "false" or "False" => set(c, false), _ => throw Bad(key, v, "true or false", where) });

    private static ArgumentException Bad(string key, string value, string expected, string where) =>
        new($"{where}: '{key}' must be {expected}, got '{value}'");
}
