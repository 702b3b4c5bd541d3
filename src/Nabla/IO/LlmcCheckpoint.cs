using Nabla.Models;
using Nabla.Tensors;

namespace Nabla.IO;

/// <summary>
/// llm.c's GPT-2 checkpoint (gpt2_124M.bin, gpt2_124M_bf16.bin), as train_gpt2.py's write_model writes it and
/// train_gpt2.c's gpt2_build_from_checkpoint reads it:
/// <code>
/// header: 256 × int32 = [20240326, version (3 float32 | 5 bfloat16), max_seq_len, vocab_size, num_layers,
///                        num_heads, channels, padded_vocab_size, 0 …]
/// then every parameter, little-endian, in the order of <see cref="LlmcParameterLayout"/>
/// </code>
/// A checkpoint holds a GPT-2 with biases and the tanh-approximated GELU (llm.c's gelu_forward), so it reads into
/// such a <see cref="Gpt"/>. Reading streams the values straight into the model's tensors: the 124M model's
/// half-gigabyte is never held twice.
/// </summary>
public static class LlmcCheckpoint
{
    private const string Kind = "llm.c checkpoint";
    private const int ChunkBytes = 1 << 20;

    /// <summary>The sizes and dtype in a checkpoint's header, checked as <see cref="Read"/> checks them (the file's
    /// length included), without reading a parameter.</summary>
    /// <exception cref="InvalidDataException">The header is not a valid llm.c checkpoint header, or the file's
    /// length does not match it; the message names the file and the field.</exception>
    public static LlmcModelHeader ReadHeader(string path)
    {
        using FileStream stream = LlmcFormat.OpenRead(path);
        return ReadHeader(stream, path);
    }

    private static LlmcModelHeader ReadHeader(FileStream stream, string path)
    {
        LlmcModelHeader header = LlmcModelHeader.Parse(LlmcFormat.ReadHeader(stream, path, Kind, LlmcFormat.CheckpointMagic), path, Kind);
        LlmcFormat.ExpectLength(stream, header.ParameterCount * header.BytesPerElement, path, Kind);
        return header;
    }

    /// <summary>Reads a checkpoint into a new <see cref="Gpt"/> of the sizes in its header (bfloat16 values widen
    /// exactly to float32; the padded vocabulary rows are skipped).</summary>
    /// <exception cref="InvalidDataException">The file is not a valid llm.c checkpoint; the message names the
    /// file and the field.</exception>
    public static Gpt Read(string path)
    {
        using FileStream stream = LlmcFormat.OpenRead(path);
        LlmcModelHeader header = ReadHeader(stream, path);
        var model = new Gpt(header.ToGptConfig());
        Dictionary<string, Tensor> parameters = model.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter);
        bool bfloat16 = header.DType == LlmcDType.BFloat16;
        byte[] chunk = new byte[ChunkBytes];
        using (Tensor.NoGrad())
            foreach (var (_, name, _, paddingAfter) in LlmcParameterLayout.InFileOrder(header))
            {
                Tensor p = parameters[name];
                LlmcFormat.ReadFloats(stream, p.data.AsSpan(p.offset, p.Count), bfloat16, chunk, path, Kind);
                stream.Position += paddingAfter * header.BytesPerElement;
            }
        return model;
    }

    /// <summary>
    /// Writes <paramref name="model"/> as llm.c's train_gpt2.py would: the token embedding padded with zero rows to
    /// <paramref name="paddedVocabSize"/> (by default the vocabulary rounded up to a multiple of 128, 50,257 →
    /// 50,304), in float32 (version 3) or bfloat16 rounded to nearest even (version 5). Atomic: a crash leaves the
    /// previous file whole. llm.c computes the tanh-approximated GELU whatever the model was trained with.
    /// </summary>
    /// <exception cref="ArgumentException">The model has no biases (llm.c's layout has no place to leave them
    /// out), or <paramref name="paddedVocabSize"/> is smaller than the vocabulary.</exception>
    public static void Write(string path, Gpt model, LlmcDType dtype = LlmcDType.Float32, int? paddedVocabSize = null)
    {
        if (!model.Config.Bias)
            throw new ArgumentException("llm.c checkpoint: the model has no biases; llm.c's GPT-2 layout stores them, so it cannot be written");
        LlmcModelHeader header = LlmcModelHeader.For(model.Config, dtype, paddedVocabSize);
        Dictionary<string, Tensor> parameters = model.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter);
        AtomicFile.Write(path, stream =>
        {
            LlmcFormat.WriteHeader(stream, LlmcFormat.CheckpointMagic, header.Version, header.MaxSeqLen, header.VocabSize,
                header.NumLayers, header.NumHeads, header.Channels, header.PaddedVocabSize);
            WriteTensors(stream, header, parameters, dtype == LlmcDType.BFloat16, "LlmcCheckpoint.Write");
        });
    }

    /// <summary>The tensors by Hugging Face name, in llm.c's order, with the vocabulary padding after wte: the
    /// checkpoint's parameters, and the debug state's gradients.</summary>
    internal static void WriteTensors(Stream stream, LlmcModelHeader header, IReadOnlyDictionary<string, Tensor> tensors, bool bfloat16, string operation)
    {
        byte[] chunk = new byte[ChunkBytes];
        foreach (var (_, name, _, paddingAfter) in LlmcParameterLayout.InFileOrder(header))
        {
            Tensor t = tensors[name];
            t.EnsureAlive(operation);
            ReadOnlySpan<float> values = t.IsContiguous ? t.data.AsSpan(t.offset, t.Count) : t.ToArray();
            LlmcFormat.WriteFloats(stream, values, bfloat16, chunk);
            LlmcFormat.WriteZeros(stream, paddingAfter, bfloat16, chunk);
        }
    }
}
