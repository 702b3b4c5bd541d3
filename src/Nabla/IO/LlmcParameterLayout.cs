namespace Nabla.IO;

/// <summary>
/// The order in which llm.c stores a GPT-2's parameters (train_gpt2.c's ParameterTensors and
/// fill_in_parameter_sizes; train_gpt2.py's write_tensors): sixteen tensors, each per-layer one holding all
/// layers stacked, layer 0 first. Written as the Hugging Face names Nabla's <c>Gpt</c> uses, in that order, the
/// file is a walk over the model's own tensors; Linear weights are [out, in] in both, so nothing is transposed.
/// <code>
/// wte (Vp, C)  wpe (maxT, C)  ln1w (L, C)  ln1b (L, C)  qkvw (L, 3C, C)  qkvb (L, 3C)  attprojw (L, C, C)
/// attprojb (L, C)  ln2w (L, C)  ln2b (L, C)  fcw (L, 4C, C)  fcb (L, 4C)  fcprojw (L, C, 4C)  fcprojb (L, C)
/// lnfw (C)  lnfb (C)
/// </code>
/// The token embedding has Vp ≥ V rows; the Vp − V rows past the vocabulary are zeros in a written file.
/// The debug state stores the gradients in this same layout.
/// </summary>
internal static class LlmcParameterLayout
{
    // (llm.c's name, the Hugging Face name or its per-layer suffix, per layer?, shape from C, maxT and V)
    private static readonly (string Llmc, string Name, bool PerLayer, Func<int, int, int, int[]> Shape)[] Tensors =
    [
        ("wte", "transformer.wte.weight", false, (C, _, V) => [V, C]),
        ("wpe", "transformer.wpe.weight", false, (C, maxT, _) => [maxT, C]),
        ("ln1w", "ln_1.weight", true, (C, _, _) => [C]),
        ("ln1b", "ln_1.bias", true, (C, _, _) => [C]),
        ("qkvw", "attn.c_attn.weight", true, (C, _, _) => [3 * C, C]),
        ("qkvb", "attn.c_attn.bias", true, (C, _, _) => [3 * C]),
        ("attprojw", "attn.c_proj.weight", true, (C, _, _) => [C, C]),
        ("attprojb", "attn.c_proj.bias", true, (C, _, _) => [C]),
        ("ln2w", "ln_2.weight", true, (C, _, _) => [C]),
        ("ln2b", "ln_2.bias", true, (C, _, _) => [C]),
        ("fcw", "mlp.c_fc.weight", true, (C, _, _) => [4 * C, C]),
        ("fcb", "mlp.c_fc.bias", true, (C, _, _) => [4 * C]),
        ("fcprojw", "mlp.c_proj.weight", true, (C, _, _) => [C, 4 * C]),
        ("fcprojb", "mlp.c_proj.bias", true, (C, _, _) => [C]),
        ("lnfw", "transformer.ln_f.weight", false, (C, _, _) => [C]),
        ("lnfb", "transformer.ln_f.bias", false, (C, _, _) => [C]),
    ];

    /// <summary>Every stored piece in file order: the llm.c tensor it belongs to, the Hugging Face name and shape
    /// of the Nabla parameter it is (wte with V rows), and how many zero elements follow it in the file (the
    /// Vp − V padded vocabulary rows after wte).</summary>
    public static IEnumerable<(string Llmc, string Name, int[] Shape, long PaddingAfter)> InFileOrder(LlmcModelHeader header)
    {
        int C = header.Channels, maxT = header.MaxSeqLen, V = header.VocabSize;
        foreach (var (llmc, name, perLayer, shape) in Tensors)
        {
            if (!perLayer)
            {
                long padding = llmc == "wte" ? (long)(header.PaddedVocabSize - V) * C : 0;
                yield return (llmc, name, shape(C, maxT, V), padding);
                continue;
            }
            for (int layer = 0; layer < header.NumLayers; layer++)
                yield return ($"{llmc}[{layer}]", $"transformer.h.{layer}.{name}", shape(C, maxT, V), 0);
        }
    }
}
