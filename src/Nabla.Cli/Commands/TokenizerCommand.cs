using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Nabla.Text;

namespace Nabla.Cli;

/// <summary>
/// <c>nabla tokenizer train|encode|decode</c>: learn a byte-level BPE vocabulary from a text file, and
/// encode or decode with it or with the OpenAI encodings (gpt2, cl100k, o200k).
/// </summary>
internal static class TokenizerCommand
{
    public static Command Create()
    {
        var command = new Command("tokenizer", "Train byte-pair-encoding tokenizers; encode and decode with them or with gpt2, cl100k, o200k");
        command.Subcommands.Add(Train());
        command.Subcommands.Add(Encode());
        command.Subcommands.Add(Decode());
        return command;
    }

    private static Command Train()
    {
        var input = new Option<FileInfo>("--input", "-i") { Description = "Text file to learn from (UTF-8)", Required = true };
        var vocabSize = new Option<int>("--vocab-size") { Description = "Vocabulary size: 256 bytes + merges + special tokens", Required = true };
        var pattern = new Option<string>("--pattern")
        {
            Description = "Split pattern: gpt2, gpt4 (cl100k), gpt4o (o200k), none (basic BPE over the whole text) or a .NET regular expression",
            DefaultValueFactory = _ => "gpt4",
        };
        var specials = new Option<string[]>("--special")
        {
            Description = "A special token (repeatable), e.g. --special '<|endoftext|>'; they take the last ids [default: none]",
            DefaultValueFactory = _ => [],
            AllowMultipleArgumentsPerToken = false,
        };
        var output = new Option<string>("--out", "-o") { Description = "Output prefix: writes PREFIX.model and PREFIX.vocab", Required = true };

        var command = new Command("train", "Learn BPE merges from a text; writes PREFIX.model (loadable) and PREFIX.vocab (readable)")
        {
            input, vocabSize, pattern, specials, output,
        };
        command.SetAction(parse =>
        {
            TextWriter console = parse.InvocationConfiguration.Output;
            FileInfo file = parse.GetValue(input)!;
            if (!file.Exists) throw new FileNotFoundException($"input file '{file.FullName}' not found", file.FullName);
            int size = parse.GetValue(vocabSize);
            string[] specialTokens = parse.GetValue(specials) ?? [];
            if (size < 256 + specialTokens.Length)
                throw new UsageException($"--vocab-size {size} is below 256 bytes + {specialTokens.Length} special tokens");
            string? splitPattern = Patterns.Resolve(parse.GetValue(pattern) ?? "gpt4");
            string prefix = parse.GetValue(output)!;

            string text = File.ReadAllText(file.FullName);
            int merges = size - 256 - specialTokens.Length;
            var clock = Stopwatch.StartNew();
            BpeTokenizer tokenizer = TrainingProgress.Run($"bpe {Path.GetFileName(file.FullName)}", Math.Max(1, merges), console,
                reporter => BpeTrainer.Train(text, size, splitPattern, specialTokens,
                    (done, total) => reporter.Step(done, $"vocab {256 + done}")),
                logEvery: Math.Max(1, merges / 100) * 10);
            double seconds = clock.Elapsed.TotalSeconds;

            string? directory = Path.GetDirectoryName(Path.GetFullPath(prefix));
            if (directory is not null) Directory.CreateDirectory(directory);
            tokenizer.Save(prefix);
            int tokens = tokenizer.EncodeOrdinary(text).Length;
            console.WriteLine($"learned {tokenizer.Merges.Count} merges in {seconds:F2} s; vocabulary {tokenizer.VocabSize}");
            console.WriteLine($"{file.Name}: {text.Length:N0} characters -> {tokens:N0} tokens ({(double)System.Text.Encoding.UTF8.GetByteCount(text) / tokens:F2} bytes per token)");
            console.WriteLine($"wrote {prefix}.model and {prefix}.vocab");
            return NablaApp.ExitOk;
        });
        return command;
    }

    private static Option<string> EncodingOption() => new("--encoding", "-e")
    {
        Description = "gpt2, cl100k, o200k, or a PREFIX.model file written by 'nabla tokenizer train'",
        DefaultValueFactory = _ => "gpt2",
    };

    internal static BpeTokenizer Resolve(string encoding) =>
        encoding.EndsWith(".model", StringComparison.OrdinalIgnoreCase) || File.Exists(encoding)
            ? BpeTokenizer.Load(encoding)
            : Encodings.ByName(encoding);

    private static Command Encode()
    {
        var encoding = EncodingOption();
        var text = new Argument<string?>("text") { Description = "Text to encode (read from standard input when absent)", Arity = ArgumentArity.ZeroOrOne };
        var show = new Option<bool>("--show") { Description = "Show each token's id and text side by side", DefaultValueFactory = _ => false };
        var allowSpecial = new Option<bool>("--allow-special") { Description = "Encode special-token text such as <|endoftext|> as special tokens (otherwise it is an error)", DefaultValueFactory = _ => false };
        var command = new Command("encode", "Encode text to token ids") { encoding, text, show, allowSpecial };
        command.SetAction(parse =>
        {
            TextWriter console = parse.InvocationConfiguration.Output;
            BpeTokenizer tokenizer = Resolve(parse.GetValue(encoding)!);
            string input = parse.GetValue(text) ?? Console.In.ReadToEnd();
            int[] ids = tokenizer.Encode(input, parse.GetValue(allowSpecial) ? AllowedSpecial.All : AllowedSpecial.None);
            if (!parse.GetValue(show))
            {
                console.WriteLine(string.Join(' ', ids));
                return NablaApp.ExitOk;
            }
            int width = Math.Max(2, ids.Length == 0 ? 2 : ids.Max().ToString(CultureInfo.InvariantCulture).Length);
            foreach (int id in ids)
                console.WriteLine($"{id.ToString(CultureInfo.InvariantCulture).PadLeft(width)}  '{BpeModelFile.Render(tokenizer.TokenBytes(id))}'");
            console.WriteLine($"{ids.Length} tokens, {input.Length} characters");
            return NablaApp.ExitOk;
        });
        return command;
    }

    private static Command Decode()
    {
        var encoding = EncodingOption();
        var ids = new Argument<string[]>("ids") { Description = "Token ids (read from standard input when absent)", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("decode", "Decode token ids to text (ids that cut a character give U+FFFD)") { encoding, ids };
        command.SetAction(parse =>
        {
            BpeTokenizer tokenizer = Resolve(parse.GetValue(encoding)!);
            string[] words = parse.GetValue(ids) is { Length: > 0 } given ? given
                : Console.In.ReadToEnd().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            var values = new int[words.Length];
            for (int i = 0; i < words.Length; i++)
                if (!int.TryParse(words[i].Trim(',', '[', ']'), NumberStyles.Integer, CultureInfo.InvariantCulture, out values[i]))
                    throw new UsageException($"token id '{words[i]}' (number {i + 1}) is not an integer");
            parse.InvocationConfiguration.Output.WriteLine(tokenizer.Decode(values));
            return NablaApp.ExitOk;
        });
        return command;
    }
}
