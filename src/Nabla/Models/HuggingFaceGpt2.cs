using System.Text.Json;
using System.Text.RegularExpressions;
using Nabla.IO;
using Nabla.NN;
using Nabla.Tensors;

namespace Nabla.Models;

/// <summary>
/// GPT-2 as the Hugging Face hub publishes it: a folder with <c>config.json</c> (see
/// <see cref="HuggingFaceGpt2Config"/>) and <c>model.safetensors</c>. The tensors carry the names Nabla's GPT
/// uses, with two differences this class bridges, as nanoGPT's <c>from_pretrained</c> does:
/// <list type="bullet">
/// <item>Four weights are stored transposed: OpenAI wrote GPT-2 with a "Conv1D" layer whose weight is (in, out),
/// where a Linear's is (out, in): <c>attn.c_attn</c>, <c>attn.c_proj</c>, <c>mlp.c_fc</c>, <c>mlp.c_proj</c>.</item>
/// <item>The original checkpoints (<c>gpt2</c> … <c>gpt2-xl</c>) name the tensors without the <c>transformer.</c>
/// prefix and also hold each block's causal mask (<c>h.N.attn.bias</c>, older ones <c>h.N.attn.masked_bias</c>),
/// which is a constant, not a parameter, and is skipped. A fine-tuned <c>GPT2LMHeadModel</c> keeps the prefix and
/// may hold <c>lm_head.weight</c>, which must equal the token embedding it is tied to.</item>
/// </list>
/// Loading writes each tensor straight into the model's parameter (a transposed one through one buffer the size
/// of the largest Conv1D weight), so a 6 GB checkpoint takes the model's memory plus one tensor, not twice the file.
/// </summary>
public static class HuggingFaceGpt2
{
    public const string ConfigFile = "config.json", WeightsFile = "model.safetensors";
    private const string Prefix = "transformer.", LmHead = "lm_head.weight", TokenEmbedding = "transformer.wte.weight",
        PositionEmbedding = "transformer.wpe.weight";

    /// <summary>The four weights Hugging Face's Conv1D stores as (in, out).</summary>
    public static bool IsConv1D(string name) =>
        name.EndsWith(".attn.c_attn.weight", StringComparison.Ordinal) || name.EndsWith(".attn.c_proj.weight", StringComparison.Ordinal) ||
        name.EndsWith(".mlp.c_fc.weight", StringComparison.Ordinal) || name.EndsWith(".mlp.c_proj.weight", StringComparison.Ordinal);

    // h.N.attn.bias (the causal mask, a (1, 1, T, T) buffer) and h.N.attn.masked_bias (the value masked scores got).
    private static readonly Regex MaskBuffer = new(@"^(transformer\.)?h\.\d+\.attn\.(bias|masked_bias)$", RegexOptions.CultureInvariant);

    /// <summary>Reads a Hugging Face GPT-2 folder into a new GPT with <paramref name="dropout"/> in its config.
    /// A <paramref name="blockSize"/> shorter than the checkpoint's keeps the first rows of the position embedding
    /// (nanoGPT's crop_block_size): a shorter context, the same network on it.</summary>
    /// <exception cref="InvalidDataException">A file is damaged or does not describe this network; the message
    /// names the file and the field or tensor.</exception>
    /// <param name="generator">The generator of the model's dropout (default: <see cref="Generator.Default"/>).</param>
    public static Gpt Load(string directory, float dropout = 0f, int? blockSize = null, Generator? generator = null)
    {
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"Hugging Face model folder '{directory}' not found");
        GptConfig config = HuggingFaceGpt2Config.Read(Path.Combine(directory, ConfigFile)) with { Dropout = dropout };
        if (blockSize is int crop)
        {
            if (crop < 1 || crop > config.BlockSize)
                throw new ArgumentException($"block_size {crop} must be in [1, {config.BlockSize}], the context of {Path.Combine(directory, ConfigFile)}");
            config = config with { BlockSize = crop };
        }
        string weights = Path.Combine(directory, WeightsFile);
        if (!File.Exists(weights))
            throw new FileNotFoundException(File.Exists(Path.Combine(directory, "pytorch_model.bin"))
                ? $"{weights} not found: only safetensors weights are read (pytorch_model.bin is a Python pickle)"
                : $"{weights} not found", weights);
        Gpt model;
        using (Init.SkipRandom()) model = new Gpt(config.Validate(), generator);   // every parameter is read next
        LoadWeights(model, weights, cropPositions: blockSize is not null);
        return model;
    }

    /// <summary>Fills every parameter of <paramref name="model"/> from a GPT-2 safetensors file (F32, F16, BF16
    /// or F64, read as float32). The whole header is checked first: a tensor with no place in the model, a shape
    /// that differs, or a parameter the file does not hold is an error naming it, and nothing is changed.</summary>
    public static void LoadWeights(Gpt model, string path) => LoadWeights(model, path, cropPositions: false);

    private static void LoadWeights(Gpt model, string path, bool cropPositions)
    {
        using SafetensorsReader reader = SafetensorsReader.Open(path);
        Dictionary<string, Tensor> parameters = model.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter, StringComparer.Ordinal);
        var placed = new Dictionary<string, SafetensorsTensorInfo>(StringComparer.Ordinal);   // parameter name → tensor
        SafetensorsTensorInfo? lmHead = null;
        var problems = new List<string>();

        foreach (SafetensorsTensorInfo tensor in reader.Tensors)
        {
            if (MaskBuffer.IsMatch(tensor.Name)) continue;
            if (tensor.Name == LmHead) { lmHead = tensor; continue; }
            string name = tensor.Name.StartsWith(Prefix, StringComparison.Ordinal) ? tensor.Name : Prefix + tensor.Name;
            if (!parameters.TryGetValue(name, out Tensor? parameter))
            {
                problems.Add($"tensor '{tensor.Name}' has no place in a GPT-2 of {model.Config.NLayer} layers");
                continue;
            }
            if (placed.TryGetValue(name, out SafetensorsTensorInfo? first))
            {
                problems.Add($"tensors '{first.Name}' and '{tensor.Name}' are the same parameter");
                continue;
            }
            placed.Add(name, tensor);
            int[] expected = FileShape(name, parameter);
            if (cropPositions && name == PositionEmbedding && tensor.Shape.Length == 2 && tensor.Shape[0] >= expected[0]) expected[0] = tensor.Shape[0];
            if (!tensor.Shape.SequenceEqual(expected))
                problems.Add($"tensor '{tensor.Name}' has shape {Shapes.Format(tensor.Shape)}, the model's is {Shapes.Format(expected)}" +
                             (IsConv1D(name) ? " (a Conv1D weight, stored (in, out))" : ""));
        }
        if (lmHead is not null && !lmHead.Shape.SequenceEqual(parameters[TokenEmbedding].Shape))
            problems.Add($"tensor '{LmHead}' has shape {Shapes.Format(lmHead.Shape)}, the token embedding's is {Shapes.Format(parameters[TokenEmbedding].Shape)}");
        foreach (string name in parameters.Keys.Where(n => !placed.ContainsKey(n)))
            problems.Add($"parameter '{name}' is not in the file");
        if (problems.Count > 0)
            throw new InvalidDataException($"{path}: {string.Join("; ", problems.Take(4))}{(problems.Count > 4 ? $"; and {problems.Count - 4} more" : "")}");

        // One buffer, the size of the largest tensor that cannot be read in place (a Conv1D weight, or a position
        // embedding to crop), serves them all.
        float[] scratch = new float[placed.Where(p => IsConv1D(p.Key) || p.Key == PositionEmbedding).Select(p => p.Value.Count).DefaultIfEmpty(0).Max()];
        foreach (var (name, tensor) in placed)
        {
            Tensor parameter = parameters[name];
            Span<float> destination = parameter.AsWritableSpan("HuggingFaceGpt2.LoadWeights");
            if (tensor.Count != destination.Length && name == PositionEmbedding)
            {
                Span<float> stored = scratch.AsSpan(0, tensor.Count);
                reader.ReadFloats(tensor.Name, stored);                        // (n_positions, C) → the first block_size rows
                stored[..destination.Length].CopyTo(destination);
            }
            else if (IsConv1D(name))
            {
                Span<float> stored = scratch.AsSpan(0, tensor.Count);
                reader.ReadFloats(tensor.Name, stored);                        // (in, out)
                Transpose(stored, tensor.Shape[0], tensor.Shape[1], destination);  // → (out, in)
            }
            else reader.ReadFloats(tensor.Name, destination);
        }
        if (lmHead is not null) CheckTied(reader, lmHead, parameters[TokenEmbedding]);
    }

    /// <summary>Nabla's GPT has one head, the token embedding; a file whose lm_head.weight is another matrix holds
    /// a network it cannot compute, so it is refused rather than silently tied.</summary>
    private static void CheckTied(SafetensorsReader reader, SafetensorsTensorInfo lmHead, Tensor wte)
    {
        float[] head = new float[lmHead.Count];
        reader.ReadFloats(lmHead.Name, head);
        ReadOnlySpan<float> embedding = wte.AsReadOnlySpan();
        for (int i = 0; i < head.Length; i++)
            if (head[i] != embedding[i] && !(float.IsNaN(head[i]) && float.IsNaN(embedding[i])))
                throw new InvalidDataException($"{reader.Path}: tensor '{LmHead}' differs from the token embedding (element {i}: {head[i]} vs {embedding[i]}); " +
                                               "Nabla's GPT ties its head to the token embedding and cannot hold a separate one");
    }

    private static int[] FileShape(string name, Tensor parameter) =>
        IsConv1D(name) ? [parameter.Size(1), parameter.Size(0)] : parameter.Shape.ToArray();

    /// <summary>source (rows, cols) row-major → destination (cols, rows) row-major, in tiles that stay in cache.</summary>
    private static void Transpose(ReadOnlySpan<float> source, int rows, int cols, Span<float> destination)
    {
        const int Tile = 32;
        for (int r0 = 0; r0 < rows; r0 += Tile)
            for (int c0 = 0; c0 < cols; c0 += Tile)
                for (int r = r0; r < Math.Min(r0 + Tile, rows); r++)
                    for (int c = c0; c < Math.Min(c0 + Tile, cols); c++)
                        destination[c * rows + r] = source[r * cols + c];
    }

    /// <summary>
    /// Writes <paramref name="model"/> as a Hugging Face GPT-2 folder that transformers'
    /// <c>GPT2LMHeadModel.from_pretrained</c> reads: config.json and model.safetensors with the
    /// <c>transformer.</c> prefix, the Conv1D weights transposed to (in, out), no lm_head (tied), F32, and the
    /// metadata <c>format: pt</c> that transformers asks of a safetensors file. A model without biases gets zero
    /// biases. Each file is written atomically, the weights first, so a crash leaves the previous pair readable
    /// or a new weights file beside the old config (which the loader refuses by shape, never by mistake).
    /// </summary>
    public static void Save(Gpt model, string directory)
    {
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        using (Tensor.NoGrad())
        {
            foreach (var (name, parameter) in model.NamedParameters())
                tensors[name] = IsConv1D(name) ? parameter.T : parameter;
            if (!model.Config.Bias) AddZeroBiases(model.Config, tensors);
            Safetensors.Save(Path.Combine(directory, WeightsFile), tensors, new Dictionary<string, string> { ["format"] = "pt" });
        }
        string json = HuggingFaceGpt2Config.ToJson(model.Config).ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
        AtomicFile.Write(Path.Combine(directory, ConfigFile), stream => stream.Write(System.Text.Encoding.UTF8.GetBytes(json)));
    }

    /// <summary>GPT-2 always has biases; a Linear or LayerNorm without one computes what it computes with a zero one.</summary>
    private static void AddZeroBiases(GptConfig c, Dictionary<string, Tensor> tensors)
    {
        int C = c.NEmbd;
        tensors[Prefix + "ln_f.bias"] = Tensor.Zeros([C]);
        for (int l = 0; l < c.NLayer; l++)
        {
            string h = $"{Prefix}h.{l}.";
            foreach (var (name, size) in new[] { ("ln_1", C), ("attn.c_attn", 3 * C), ("attn.c_proj", C), ("ln_2", C), ("mlp.c_fc", 4 * C), ("mlp.c_proj", C) })
                tensors[$"{h}{name}.bias"] = Tensor.Zeros([size]);
        }
    }
}
