using System.Runtime.InteropServices;
using Nabla.Tensors;

namespace Nabla.IO;

/// <summary>
/// llm.c's debug state (gpt2_124M_debug_state.bin): one batch and what a reference implementation computed on
/// it, so that another implementation loaded from the matching checkpoint can be checked against it, as
/// test_gpt2.c does. train_gpt2.py's write_state writes, after a header of 256 int32
/// <c>[20240327, 2, B, T, 0 …]</c>, all little-endian:
/// <code>
/// x       (B, T)   int32   input tokens
/// y       (B, T)   int32   target tokens
/// logits  (B, T, V) float32  V is the vocabulary, not the padded Vp
/// loss    ()       float32  mean cross-entropy
/// grads   every parameter's gradient, float32, in the checkpoint's order and layout: wte's gradient padded with
///         zero rows to Vp
/// </code>
/// The file does not carry the model's sizes: they come from the checkpoint it belongs to.
/// Inputs and targets are int32 tensors (B, T), logits (B, T, V), and the gradients are keyed by the Hugging
/// Face names of the parameters they belong to, with the parameters' shapes (wte's gradient [V, C]).
/// </summary>
public sealed record LlmcDebugState(Tensor Inputs, Tensor Targets, Tensor Logits, float Loss, IReadOnlyDictionary<string, Tensor> Gradients)
{
    public const int Version = 2;   // 1 → 2 when the gradients took the padded vocabulary layout
    private const string Kind = "llm.c debug state";

    public int BatchSize => Inputs.Size(0);
    public int SeqLen => Inputs.Size(1);

    /// <summary>Reads a debug state written for a model of the sizes in <paramref name="model"/> (the header of
    /// its checkpoint, <see cref="LlmcCheckpoint.ReadHeader"/>).</summary>
    /// <exception cref="InvalidDataException">The file is not a valid debug state for that model; the message
    /// names the file and the field.</exception>
    /// <exception cref="ArgumentException"><paramref name="model"/>'s sizes are not valid.</exception>
    public static LlmcDebugState Read(string path, LlmcModelHeader model)
    {
        model.Validate();
        using FileStream stream = LlmcFormat.OpenRead(path);
        int[] header = LlmcFormat.ReadHeader(stream, path, Kind, LlmcFormat.DebugStateMagic);
        if (header[1] != Version)
            throw LlmcFormat.Damaged(path, Kind, $"header field version is {header[1]}; the known version is {Version}");
        int B = LlmcFormat.Positive(header, 2, "B", int.MaxValue, path, Kind);
        int T = LlmcFormat.Positive(header, 3, "T", model.MaxSeqLen, path, Kind);
        int V = model.VocabSize;
        Int128 bt = (Int128)B * T, btv = bt * V;
        if (btv > Array.MaxLength)
            throw LlmcFormat.Damaged(path, Kind, $"header field B ({B}) makes the logits B·T·V = {btv} elements, more than one array holds");
        LlmcFormat.ExpectLength(stream, 4 * (2 * bt + btv + 1 + model.ParameterCount), path, Kind);

        int[] inputs = ReadTokens(stream, (int)bt, V, "x", path), targets = ReadTokens(stream, (int)bt, V, "y", path);
        byte[] chunk = new byte[1 << 16];
        var logits = new float[(int)btv];
        LlmcFormat.ReadFloats(stream, logits, bfloat16: false, chunk, path, Kind);
        var loss = new float[1];
        LlmcFormat.ReadFloats(stream, loss, bfloat16: false, chunk, path, Kind);

        var gradients = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (_, name, shape, paddingAfter) in LlmcParameterLayout.InFileOrder(model))
        {
            var values = new float[shape.Aggregate(1, (a, b) => a * b)];
            LlmcFormat.ReadFloats(stream, values, bfloat16: false, chunk, path, Kind);
            stream.Position += paddingAfter * 4;
            gradients[name] = new Tensor(values, shape);
        }
        return new LlmcDebugState(new Tensor(inputs, [B, T]), new Tensor(targets, [B, T]), new Tensor(logits, [B, T, V]), loss[0], gradients);
    }

    private static int[] ReadTokens(Stream stream, int count, int vocabSize, string field, string path)
    {
        var tokens = new int[count];
        LlmcFormat.ReadExactly(stream, MemoryMarshal.AsBytes(tokens.AsSpan()), path, Kind);
        if (!BitConverter.IsLittleEndian)
            for (int i = 0; i < count; i++) tokens[i] = System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(tokens[i]);
        for (int i = 0; i < count; i++)
            if ((uint)tokens[i] >= (uint)vocabSize)
                throw LlmcFormat.Damaged(path, Kind, $"{field}[{i}] is token {tokens[i]}, outside the vocabulary [0, {vocabSize})");
        return tokens;
    }

    /// <summary>Writes <paramref name="state"/> for a model of the sizes in <paramref name="model"/>, as
    /// train_gpt2.py's write_state does: wte's gradient padded with zero rows to the padded vocabulary. Atomic.</summary>
    /// <exception cref="ArgumentException">A shape does not match the model or the batch, a token is outside the
    /// vocabulary, or a gradient is missing.</exception>
    public static void Write(string path, LlmcDebugState state, LlmcModelHeader model)
    {
        const string op = "LlmcDebugState.Write";
        model.Validate();
        if (state.Inputs.DType != DType.Int32 || state.Inputs.Rank != 2)
            throw new ArgumentException($"{op}: inputs must be int32 (B, T), got {state.Inputs.DType} {Shapes.Format(state.Inputs.Shape)}");
        int B = state.BatchSize, T = state.SeqLen, V = model.VocabSize;
        if (T > model.MaxSeqLen) throw new ArgumentException($"{op}: T = {T} is longer than the model's max_seq_len {model.MaxSeqLen}");
        if (state.Targets.DType != DType.Int32 || !state.Targets.Shape.SequenceEqual(state.Inputs.Shape))
            throw new ArgumentException($"{op}: targets must be int32 {Shapes.Format(state.Inputs.Shape)}, got {state.Targets.DType} {Shapes.Format(state.Targets.Shape)}");
        int[] expectedLogits = [B, T, V];
        if (state.Logits.DType != DType.Float32 || !state.Logits.Shape.SequenceEqual(expectedLogits))
            throw new ArgumentException($"{op}: logits must be float32 {Shapes.Format(expectedLogits)}, got {state.Logits.DType} {Shapes.Format(state.Logits.Shape)}");
        int[] x = state.Inputs.ToIntArray(), y = state.Targets.ToIntArray();
        CheckTokens(x, V, "inputs", op);
        CheckTokens(y, V, "targets", op);
        foreach (var (_, name, shape, _) in LlmcParameterLayout.InFileOrder(model))
        {
            if (!state.Gradients.TryGetValue(name, out Tensor? g)) throw new ArgumentException($"{op}: the gradient of '{name}' is missing");
            if (g.DType != DType.Float32 || !g.Shape.SequenceEqual(shape))
                throw new ArgumentException($"{op}: the gradient of '{name}' must be float32 {Shapes.Format(shape)}, got {g.DType} {Shapes.Format(g.Shape)}");
        }
        AtomicFile.Write(path, stream =>
        {
            LlmcFormat.WriteHeader(stream, LlmcFormat.DebugStateMagic, Version, B, T);
            byte[] chunk = new byte[1 << 16];
            WriteInts(stream, x);
            WriteInts(stream, y);
            LlmcFormat.WriteFloats(stream, state.Logits.ToArray(), bfloat16: false, chunk);
            LlmcFormat.WriteFloats(stream, [state.Loss], bfloat16: false, chunk);
            LlmcCheckpoint.WriteTensors(stream, model with { DType = LlmcDType.Float32 }, state.Gradients, bfloat16: false, op);
        });
    }

    private static void CheckTokens(int[] tokens, int vocabSize, string what, string op)
    {
        for (int i = 0; i < tokens.Length; i++)
            if ((uint)tokens[i] >= (uint)vocabSize)
                throw new ArgumentException($"{op}: {what}[{i}] is token {tokens[i]}, outside the vocabulary [0, {vocabSize})");
    }

    private static void WriteInts(Stream stream, int[] values)
    {
        if (!BitConverter.IsLittleEndian)
            values = values.Select(System.Buffers.Binary.BinaryPrimitives.ReverseEndianness).ToArray();
        stream.Write(MemoryMarshal.AsBytes(values.AsSpan()));
    }
}
