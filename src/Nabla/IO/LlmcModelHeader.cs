using Nabla.Models;
using Nabla.Tensors;

namespace Nabla.IO;

/// <summary>How an llm.c checkpoint stores its parameters: version 3 is float32, version 5 bfloat16.</summary>
public enum LlmcDType
{
    Float32,
    BFloat16,
}

/// <summary>
/// The sizes an llm.c checkpoint's header holds (train_gpt2.c's GPT2Config), in header order after the magic
/// number and the version: max_seq_len, vocab_size, num_layers, num_heads, channels, padded_vocab_size. The
/// token embedding is stored with <see cref="PaddedVocabSize"/> rows, the rows past <see cref="VocabSize"/>
/// being zeros that only make the GPU's matrix shapes friendlier.
/// </summary>
public sealed record LlmcModelHeader(int MaxSeqLen, int VocabSize, int NumLayers, int NumHeads, int Channels,
    int PaddedVocabSize, LlmcDType DType = LlmcDType.Float32)
{
    public const int Float32Version = 3;
    public const int BFloat16Version = 5;

    /// <summary>The version number in the header for <see cref="DType"/>.</summary>
    public int Version => DType == LlmcDType.BFloat16 ? BFloat16Version : Float32Version;

    public int BytesPerElement => DType == LlmcDType.BFloat16 ? 2 : 4;

    /// <summary>Stored elements: llm.c's num_parameters, with the padded vocabulary rows (fill_in_parameter_sizes).</summary>
    public long ParameterCount => (long)StoredCountExact();

    /// <summary>wte (Vp·C) + wpe (maxT·C) + L · (12·C² + 13·C) per-layer elements + ln_f (2·C), without overflow.</summary>
    private Int128 StoredCountExact()
    {
        Int128 c = Channels;
        return PaddedVocabSize * c + MaxSeqLen * c + NumLayers * (12 * c * c + 13 * c) + 2 * c;
    }

    /// <summary>The Nabla GPT these sizes describe: GPT-2's biases and tanh-approximated GELU, as llm.c computes it.</summary>
    public GptConfig ToGptConfig() => new(MaxSeqLen, VocabSize, NumLayers, NumHeads, Channels, Bias: true, Gelu: GeluApproximation.Tanh);

    /// <summary>The header of a checkpoint of <paramref name="config"/>, its vocabulary padded to
    /// <paramref name="paddedVocabSize"/> rows or, when null, rounded up to a multiple of 128 as llm.c's export does.</summary>
    public static LlmcModelHeader For(GptConfig config, LlmcDType dtype = LlmcDType.Float32, int? paddedVocabSize = null)
    {
        config.Validate();
        int padded = paddedVocabSize ?? PadVocab(config.VocabSize);
        if (padded < config.VocabSize)
            throw new ArgumentException($"llm.c checkpoint: padded vocab size {padded} is smaller than the vocab size {config.VocabSize}");
        var header = new LlmcModelHeader(config.BlockSize, config.VocabSize, config.NLayer, config.NHead, config.NEmbd, padded, dtype);
        header.CheckSizes(message => new ArgumentException($"llm.c checkpoint: {message}"));
        return header;
    }

    /// <summary>llm.c's padding: <paramref name="vocabSize"/> rounded up to a multiple of <paramref name="multiple"/> (50,257 → 50,304).</summary>
    public static int PadVocab(int vocabSize, int multiple = 128)
    {
        if (vocabSize < 1 || multiple < 1) throw new ArgumentException($"PadVocab: sizes must be ≥ 1, got vocab {vocabSize} and multiple {multiple}");
        long padded = ((long)vocabSize + multiple - 1) / multiple * multiple;
        if (padded > int.MaxValue) throw new ArgumentException($"PadVocab: vocab {vocabSize} padded to a multiple of {multiple} does not fit in int32");
        return (int)padded;
    }

    /// <summary>Throws, naming the field, when these sizes could not be a checkpoint's (the checks a read makes).</summary>
    /// <exception cref="ArgumentException">A size below 1, heads that do not divide the width, a padded vocabulary
    /// below the vocabulary, or a tensor too large to hold.</exception>
    public LlmcModelHeader Validate()
    {
        CheckSizes(message => new ArgumentException($"LlmcModelHeader: {message}"));
        return this;
    }

    /// <summary>Reads the sizes from a checkpoint header, refusing what llm.c could not load or Nabla could not hold.</summary>
    internal static LlmcModelHeader Parse(int[] header, string path, string kind)
    {
        LlmcDType dtype = header[1] switch
        {
            Float32Version => LlmcDType.Float32,
            BFloat16Version => LlmcDType.BFloat16,
            _ => throw LlmcFormat.Damaged(path, kind, $"header field version is {header[1]}; known versions are {Float32Version} (float32) and {BFloat16Version} (bfloat16)"),
        };
        int Field(int index, string name) => LlmcFormat.Positive(header, index, name, int.MaxValue, path, kind);
        var parsed = new LlmcModelHeader(Field(2, "max_seq_len"), Field(3, "vocab_size"), Field(4, "num_layers"),
            Field(5, "num_heads"), Field(6, "channels"), Field(7, "padded_vocab_size"), dtype);
        parsed.CheckSizes(message => LlmcFormat.Damaged(path, kind, message));
        return parsed;
    }

    /// <summary>Heads divide the width, the padding does not shrink the vocabulary, and every tensor's element
    /// count fits in one array (the largest tensor Nabla holds), and the total byte count in an int64.</summary>
    private void CheckSizes(Func<string, Exception> fail)
    {
        foreach (var (field, value) in new[] { ("max_seq_len", MaxSeqLen), ("vocab_size", VocabSize), ("num_layers", NumLayers), ("num_heads", NumHeads), ("channels", Channels), ("padded_vocab_size", PaddedVocabSize) })
            if (value < 1) throw fail($"header field {field} is {value}; it must be ≥ 1");
        if (Channels % NumHeads != 0)
            throw fail($"header field channels ({Channels}) is not divisible by num_heads ({NumHeads})");
        if (PaddedVocabSize < VocabSize)
            throw fail($"header field padded_vocab_size ({PaddedVocabSize}) is smaller than vocab_size ({VocabSize})");
        foreach (var (field, count) in new[] { ("channels", 4 * (Int128)Channels * Channels), ("padded_vocab_size", (Int128)PaddedVocabSize * Channels), ("max_seq_len", (Int128)MaxSeqLen * Channels) })
            if (count > Array.MaxLength)
                throw fail($"header field {field} makes a tensor of {count} elements, more than one array holds");
        if (StoredCountExact() * 4 > long.MaxValue)
            throw fail($"header field num_layers ({NumLayers}) makes the parameter count overflow");
    }
}
