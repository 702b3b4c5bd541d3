using Nabla.Tensors;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Nabla.Models;

/// <summary>
/// The <c>config.json</c> of a Hugging Face GPT-2 folder (transformers' <c>GPT2Config</c>), read into a
/// <see cref="GptConfig"/> and written from one. Only what changes the network is read: n_layer, n_head, n_embd,
/// n_positions (older files: n_ctx), vocab_size, activation_function and layer_norm_epsilon. Options that would
/// make a network this GPT cannot compute (another MLP width, attention scaled by layer, another epsilon) are
/// refused rather than ignored, each error naming the file and the field.
/// </summary>
public static class HuggingFaceGpt2Config
{
    /// <summary>GPT-2's LayerNorm epsilon, the one Nabla's GPT uses.</summary>
    public const double LayerNormEpsilon = 1e-5;

    /// <summary>GPT-2's end-of-text token, its bos and eos.</summary>
    public const int EndOfText = 50256;

    /// <summary>Reads a config.json. The model has biases (GPT-2 always has) and no dropout.</summary>
    /// <exception cref="InvalidDataException">The file is not JSON, or a field is missing, of the wrong type or
    /// not one this GPT can compute; the message names the file and the field.</exception>
    public static GptConfig Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path} not found: a Hugging Face GPT-2 folder holds config.json and model.safetensors", path);
        JsonObject json;
        try
        {
            json = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new InvalidDataException($"{path}: not a JSON object");
        }
        catch (JsonException e) { throw new InvalidDataException($"{path}: not valid JSON ({OneLine(e.Message)})"); }
        return Parse(json, path);
    }

    /// <summary>The model config from a parsed config.json; <paramref name="source"/> names it in errors.</summary>
    public static GptConfig Parse(JsonObject json, string source)
    {
        if (json["model_type"] is JsonNode type && type.GetValueKind() == JsonValueKind.String && type.GetValue<string>() != "gpt2")
            throw new InvalidDataException($"{source}: model_type is '{type.GetValue<string>()}', not gpt2");
        int nLayer = Int(json, "n_layer", source), nHead = Int(json, "n_head", source), nEmbd = Int(json, "n_embd", source);
        int vocab = Int(json, "vocab_size", source);
        int block = json.ContainsKey("n_positions") ? Int(json, "n_positions", source) : Int(json, "n_ctx", source);

        var gelu = (json["activation_function"] is JsonNode a && a.GetValueKind() == JsonValueKind.String ? a.GetValue<string>() : null) switch
        {
            null when !json.ContainsKey("activation_function") => GeluApproximation.Tanh,   // GPT2Config's default, gelu_new
            "gelu_new" or "gelu_pytorch_tanh" => GeluApproximation.Tanh,
            "gelu" => GeluApproximation.None,
            _ => throw new InvalidDataException($"{source}: activation_function {json["activation_function"]?.ToJsonString() ?? "null"} is not one Nabla's GPT computes (gelu_new, gelu_pytorch_tanh or gelu)"),
        };
        if (json.ContainsKey("layer_norm_epsilon"))
        {
            double eps = Number(json, "layer_norm_epsilon", source);
            if (Math.Abs(eps - LayerNormEpsilon) > 1e-12)
                throw new InvalidDataException($"{source}: layer_norm_epsilon is {eps.ToString("R", CultureInfo.InvariantCulture)}; Nabla's GPT normalizes with GPT-2's 1e-05 only");
        }
        if (json["n_inner"] is JsonNode inner && inner.GetValueKind() != JsonValueKind.Null && Int(json, "n_inner", source) != 4 * nEmbd)
            throw new InvalidDataException($"{source}: n_inner is {inner.ToJsonString()}; Nabla's GPT has an MLP of 4 · n_embd = {4 * nEmbd}");
        if (json["scale_attn_by_inverse_layer_idx"] is JsonNode byLayer && byLayer.GetValueKind() == JsonValueKind.True)
            throw new InvalidDataException($"{source}: scale_attn_by_inverse_layer_idx is true; Nabla's GPT scales attention by 1/√head_size only");
        if (json["scale_attn_weights"] is JsonNode scale && scale.GetValueKind() == JsonValueKind.False)
            throw new InvalidDataException($"{source}: scale_attn_weights is false; Nabla's GPT always scales attention by 1/√head_size");

        var config = new GptConfig(block, vocab, nLayer, nHead, nEmbd, Dropout: 0f, Bias: true, Gelu: gelu);
        try { return config.Validate(); }
        catch (ArgumentException e) { throw new InvalidDataException($"{source}: {e.Message.Replace("GptConfig: ", "", StringComparison.Ordinal).Replace("block_size", "n_positions", StringComparison.Ordinal)}"); }
    }

    /// <summary>The config.json of <paramref name="config"/> in GPT2Config's keys, so that transformers'
    /// <c>GPT2LMHeadModel.from_pretrained</c> builds the same network. A model without biases is written with
    /// zero biases (the same function), so the file always says GPT-2.</summary>
    public static JsonObject ToJson(GptConfig config)
    {
        var json = new JsonObject
        {
            ["architectures"] = new JsonArray("GPT2LMHeadModel"),
            ["model_type"] = "gpt2",
            ["vocab_size"] = config.VocabSize,
            ["n_positions"] = config.BlockSize,
            ["n_ctx"] = config.BlockSize,
            ["n_embd"] = config.NEmbd,
            ["n_layer"] = config.NLayer,
            ["n_head"] = config.NHead,
            ["n_inner"] = null,
            ["activation_function"] = config.Gelu == GeluApproximation.Tanh ? "gelu_new" : "gelu",
            ["resid_pdrop"] = config.Dropout,
            ["embd_pdrop"] = config.Dropout,
            ["attn_pdrop"] = config.Dropout,
            ["layer_norm_epsilon"] = LayerNormEpsilon,
            ["initializer_range"] = 0.02,
            ["scale_attn_weights"] = true,
            ["scale_attn_by_inverse_layer_idx"] = false,
            ["reorder_and_upcast_attn"] = false,
            ["tie_word_embeddings"] = true,
            ["use_cache"] = true,
        };
        if (config.VocabSize > EndOfText) { json["bos_token_id"] = EndOfText; json["eos_token_id"] = EndOfText; }
        return json;
    }

    private static int Int(JsonObject json, string key, string source)
    {
        JsonNode node = json[key] ?? throw new InvalidDataException($"{source}: '{key}' is missing");
        if (node.GetValueKind() == JsonValueKind.Number && node.AsValue().TryGetValue(out int value)) return value;
        if (node.GetValueKind() == JsonValueKind.Number && node.AsValue().TryGetValue(out double d) && d == Math.Floor(d) && Math.Abs(d) <= int.MaxValue) return (int)d;
        throw new InvalidDataException($"{source}: '{key}' must be an integer, got {node.ToJsonString()}");
    }

    private static double Number(JsonObject json, string key, string source)
    {
        JsonNode? node = json[key];
        if (node is not null && node.GetValueKind() == JsonValueKind.Number && node.AsValue().TryGetValue(out double value)) return value;
        throw new InvalidDataException($"{source}: '{key}' must be a number, got {node?.ToJsonString() ?? "null"}");
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();
}
