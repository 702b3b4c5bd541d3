namespace Nabla.Benchmarks;

/// <summary>
/// Entry point: <c>NAME [options]</c> runs one benchmark suite, no name lists them. Each suite prints a
/// table of Nabla beside its peer(s), measured in the same process, with the ratio.
/// </summary>
public static class Program
{
    // One line per suite; each suite lives in its own file.
    private static readonly Dictionary<string, (string Description, Func<string[], int> Run)> Suites = new()
    {
        ["micrograd"] = ("micrograd moons training step (Nabla.Scalar) vs Python micrograd", MicrogradBenchmark.Run),
        ["gemm"] = ("fp32 SGEMM GFLOP/s beside libtorch, square and small-GPT shapes, % of FMA peak", GemmSuite.Run),
        ["alloc"] = ("bytes allocated per forward+backward of a 2-layer MLP", AllocationSuite.Run),
        ["tokenizer"] = ("Encode MB/s: gpt2, cl100k, o200k beside ML.Tokenizers and SharpToken", TokenizerEncodeSuite.Run),
        ["bpe-train"] = ("BPE training time: vocab 4096 on tinyshakespeare; incremental vs textbook", BpeTrainSuite.Run),
        ["train"] = ("one training step with modules and AdamW beside TorchSharp: makemore MLP, transformer blocks", TrainStepSuite.Run),
        ["bigram"] = ("makemore lecture 1: the counting and the neural bigram's NLL on names.txt (quality, not speed)", BigramQualitySuite.Run),
        ["makemore-quality"] = ("train a lecture model (mlp, bnmlp, wavenet) as its lecture does: train/dev loss, wall time", MakemoreQualitySuite.Run),
        ["attention"] = ("fused causal attention forward and forward+backward beside libtorch SDPA at nanoGPT shakespeare-char sizes", AttentionSuite.Run),
        ["makemore-seq"] = ("train makemore.py's rnn, gru, bow or transformer on names.txt; best test loss (--recipe makemore|tuned)", MakemoreSeqSuite.Run),
        ["makemore-speed"] = ("training steps/s of makemore.py's Transformer at its default sizes beside TorchSharp, with forward/backward/AdamW shares", MakemoreSpeedSuite.Run),
        ["gpt"] = ("nanoGPT shakespeare-char training iteration beside TorchSharp (cpu and full sizes); sampling with and without the KV cache", GptSuite.Run),
        ["ops"] = ("fused softmax, cross-entropy, layer norm, GELU, elementwise beside libtorch at small-GPT sizes", FusedOpsSuite.Run),
    };

    public static int Main(string[] args)
    {
        if (args.Length == 0 || !Suites.TryGetValue(args[0], out var suite))
        {
            if (args.Length > 0) Console.Error.WriteLine($"unknown benchmark '{args[0]}'");
            Console.WriteLine("benchmarks:");
            foreach (var (name, (description, _)) in Suites) Console.WriteLine($"  {name,-12} {description}");
            return args.Length == 0 ? 0 : 2;
        }
        try
        {
            return suite.Run(args[1..]);
        }
        catch (BadOptionException error)   // one line, as the nabla command reports a bad option
        {
            Console.Error.WriteLine(error.Message);
            return 2;
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            // A missing dataset offline, an unreadable file: one line naming it, exit code 1, as the nabla command does.
            Console.Error.WriteLine($"{args[0]}: {error.Message.ReplaceLineEndings(" ").Trim()}");
            return 1;
        }
    }
}
