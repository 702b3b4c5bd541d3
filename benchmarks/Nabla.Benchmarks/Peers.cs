using System.Runtime.CompilerServices;

namespace Nabla.Benchmarks;

/// <summary>
/// Whether the native and packaged peers load on this machine. libtorch comes with the TorchSharp-cpu
/// package as native libraries for a few platforms; the reference tokenizers are managed packages with
/// their vocabularies. A peer that does not load is reported as one line saying how to include it.
/// </summary>
public static class Peers
{
    /// <summary>Why libtorch does not load here, or null when it does.</summary>
    public static readonly Lazy<string?> LibtorchProblem = new(() => Probe(TouchLibtorch));

    /// <summary>Why Microsoft.ML.Tokenizers' gpt2 tokenizer does not load here, or null when it does.</summary>
    public static readonly Lazy<string?> MlTokenizersProblem = new(() => Probe(TouchMlTokenizers));

    /// <summary>Records the line for a missing libtorch; true when it is missing.</summary>
    public static bool LibtorchMissing()
    {
        if (LibtorchProblem.Value is not { } problem) return false;
        BenchReport.PeerMissing($"libtorch not run ({problem}): TorchSharp-cpu ships libtorch for linux-x64, win-x64 " +
            "and osx-arm64; restore benchmarks/Nabla.Benchmarks on one of them (dotnet restore) to include it.");
        return true;
    }

    /// <summary>Records the line for missing ML.Tokenizers; true when it is missing.</summary>
    public static bool MlTokenizersMissing()
    {
        if (MlTokenizersProblem.Value is not { } problem) return false;
        BenchReport.PeerMissing($"Microsoft.ML.Tokenizers not run ({problem}): restore the Microsoft.ML.Tokenizers and " +
            "Microsoft.ML.Tokenizers.Data.* packages of benchmarks/Nabla.Benchmarks (dotnet restore) to include it.");
        return true;
    }

    private static string? Probe(Action touch)
    {
        try
        {
            touch();
            return null;
        }
        catch (Exception error) when (error is TypeInitializationException or DllNotFoundException or FileNotFoundException
            or FileLoadException or BadImageFormatException or NotSupportedException or EntryPointNotFoundException)
        {
            Exception root = error;
            while (root.InnerException is not null) root = root.InnerException;
            return root.Message.ReplaceLineEndings(" ").Trim();
        }
    }

    // Separate methods, not inlined: a missing assembly fails when the method is compiled, inside Probe's try.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void TouchLibtorch() => TorchSharp.torch.ones(1).Dispose();

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void TouchMlTokenizers() => Microsoft.ML.Tokenizers.TiktokenTokenizer.CreateForModel("gpt2");
}
