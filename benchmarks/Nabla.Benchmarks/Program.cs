using System.Globalization;

namespace Nabla.Benchmarks;

/// <summary>
/// Entry point: <c>[NAME] [--detail] [--markdown FILE] [--list] [suite options]</c>. The head-to-head suites
/// report their rows (<see cref="BenchRow"/>) and the program prints them as one table, Nabla beside its
/// peer with the ratio and the goal, and writes it as markdown to FILE when asked. No name runs the quick
/// head-to-head suites; <c>--detail</c> also shows each suite's own table; <c>--list</c> lists the suites.
/// Suites that are not head to head (allocation, quality, training runs) print their own output.
/// </summary>
public static class Program
{
    private sealed record Suite(string Description, Func<string[], int> Run, bool HeadToHead = false, bool NeedsLibtorch = false);

    // One line per suite; each suite lives in its own file.
    private static readonly Dictionary<string, Suite> Suites = new()
    {
        ["micrograd"] = new("micrograd moons training step (Nabla.Scalar) vs Python micrograd", MicrogradBenchmark.Run, HeadToHead: true),
        ["gemm"] = new("fp32 SGEMM GFLOP/s beside libtorch, square and small-GPT shapes, % of FMA peak", GemmSuite.Run, HeadToHead: true),
        ["alloc"] = new("bytes allocated per forward+backward of a 2-layer MLP", AllocationSuite.Run),
        ["tokenizer"] = new("Encode MB/s: gpt2, cl100k, o200k beside ML.Tokenizers and SharpToken", TokenizerEncodeSuite.Run, HeadToHead: true),
        ["bpe-train"] = new("BPE training time: vocab 4096 on tinyshakespeare; incremental vs textbook", BpeTrainSuite.Run, HeadToHead: true),
        ["train"] = new("one training step with modules and AdamW beside TorchSharp: makemore MLP, transformer blocks", TrainStepSuite.Run, HeadToHead: true, NeedsLibtorch: true),
        ["bigram"] = new("makemore lecture 1: the counting and the neural bigram's NLL on names.txt (quality, not speed)", BigramQualitySuite.Run),
        ["makemore-quality"] = new("train a lecture model (mlp, bnmlp, wavenet) as its lecture does: train/dev loss, wall time", MakemoreQualitySuite.Run),
        ["attention"] = new("fused causal attention forward and forward+backward beside libtorch SDPA at nanoGPT shakespeare-char sizes", AttentionSuite.Run, HeadToHead: true, NeedsLibtorch: true),
        ["makemore-seq"] = new("train makemore.py's rnn, gru, bow or transformer on names.txt; best test loss (--recipe makemore|tuned)", MakemoreSeqSuite.Run),
        ["makemore-speed"] = new("training steps/s of makemore.py's Transformer at its default sizes beside TorchSharp, with forward/backward/AdamW shares", MakemoreSpeedSuite.Run, HeadToHead: true, NeedsLibtorch: true),
        ["ops"] = new("fused softmax, cross-entropy, layer norm, GELU, elementwise beside libtorch at small-GPT sizes", FusedOpsSuite.Run, HeadToHead: true, NeedsLibtorch: true),
        ["gpt"] = new("nanoGPT shakespeare-char training iteration beside TorchSharp (cpu and full sizes); sampling with and without the KV cache", GptSuite.Run, HeadToHead: true, NeedsLibtorch: true),
        ["gpt-quality"] = new("shakespeare-char-cpu trained by Nabla and by libtorch from the same weights on the same batches: val loss, sampled and over the whole split", GptQualitySuite.Run),
        ["gpt2"] = new("GPT-2 124M beside TorchSharp: greedy generation with the KV cache (tokens/s) and a 4×64 training step with peak memory", Gpt2Suite.Run, HeadToHead: true, NeedsLibtorch: true),
    };

    /// <summary>What no name runs: the head-to-head suites that take a minute or so each.</summary>
    private static readonly string[] Quick = ["gemm", "ops", "tokenizer", "micrograd", "train", "attention"];

    public static int Main(string[] args)
    {
        bool detail = args.Contains("--detail");
        string? markdown = Value(args, "--markdown");
        string[] rest = args.Where((a, i) => a != "--detail" && a != "--markdown" && (i == 0 || args[i - 1] != "--markdown")).ToArray();
        if (args.Contains("--list") || (args.Contains("--markdown") && markdown is null))
        {
            if (!args.Contains("--list")) Console.Error.WriteLine("--markdown needs a file name");
            List(Console.Out);
            return args.Contains("--list") ? 0 : 2;
        }
        bool named = rest.Length > 0 && !rest[0].StartsWith('-');
        if (named && !Suites.ContainsKey(rest[0]))
        {
            Console.Error.WriteLine($"unknown benchmark '{rest[0]}'");
            List(Console.Error);
            return 2;
        }
        string[] names = named ? [rest[0]] : Quick;
        string[] options = named ? rest[1..] : rest;

        int exitCode = 0;
        foreach (string name in names)
        {
            int code = RunSuite(name, options, detail || !Suites[name].HeadToHead);
            if (code != 0 && names.Length == 1) return code;
            exitCode = Math.Max(exitCode, code);
        }
        if (BenchReport.Rows.Count > 0 || BenchReport.MissingPeers.Count > 0)
        {
            Console.WriteLine();
            Console.Write(BenchTable.Text(BenchReport.Rows, BenchReport.MissingPeers));
        }
        if (markdown is not null)
        {
            string caption = string.Create(CultureInfo.InvariantCulture,
                $"`{string.Join(' ', ["nabla bench", .. rest.Select(a => a.Contains(' ') ? $"\"{a}\"" : a)])}`: kernel path {Nabla.Kernels.Gemm.KernelName}, {Environment.ProcessorCount} cores; ratio above 1: Nabla is faster.");
            File.WriteAllText(markdown, BenchTable.Markdown(BenchReport.Rows, BenchReport.MissingPeers, caption));
            Console.WriteLine($"markdown table: {markdown}");
        }
        return exitCode;
    }

    /// <summary>Runs one suite; its own output goes to the console only with <paramref name="show"/>.
    /// Errors are one line naming the suite: 2 for a bad option, 1 for anything else.</summary>
    private static int RunSuite(string name, string[] options, bool show)
    {
        Suite suite = Suites[name];
        if (suite.NeedsLibtorch && Peers.LibtorchMissing())
        {
            BenchReport.PeerMissing($"{name}: its inputs and checks come from libtorch too, so it was skipped.");
            return 0;
        }
        TextWriter console = Console.Out;
        if (!show)
        {
            console.WriteLine($"running {name}: {suite.Description}");
            Console.SetOut(TextWriter.Null);
        }
        try
        {
            return suite.Run(options);
        }
        catch (BadOptionException error)   // one line, as the nabla command reports a bad option
        {
            Console.Error.WriteLine(error.Message);
            return 2;
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            // A missing dataset offline, an unreadable file: one line naming it, exit code 1, as the nabla command does.
            Console.Error.WriteLine($"{name}: {error.Message.ReplaceLineEndings(" ").Trim()}");
            return 1;
        }
        finally
        {
            Console.SetOut(console);
        }
    }

    private static void List(TextWriter writer)
    {
        writer.WriteLine($"benchmarks (no name runs {string.Join(", ", Quick)}):");
        foreach (var (name, suite) in Suites) writer.WriteLine($"  {name,-16} {suite.Description}");
    }

    private static string? Value(string[] args, string option)
    {
        int at = Array.IndexOf(args, option);
        return at >= 0 && at + 1 < args.Length && !args[at + 1].StartsWith('-') ? args[at + 1] : null;
    }
}
