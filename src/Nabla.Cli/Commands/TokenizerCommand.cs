using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Nabla.Data;
using Nabla.Text;

namespace Nabla.Cli;

/// <summary>
/// <c>nabla tokenizer train|encode|decode</c>: learn a byte-level BPE vocabulary from a text file, and
/// encode or decode with it or with the OpenAI encodings (gpt2, cl100k, o200k). Inputs are untrusted: they
/// are read up to <see cref="MaxInputBytes"/>, must be UTF-8 unless --replace-invalid says otherwise, and
/// every option value is checked before any work starts.
/// </summary>
internal static class TokenizerCommand
{
    /// <summary>Largest input read from a file or standard input (256 MiB).</summary>
    public const long MaxInputBytes = 256L << 20;

    private static readonly string Limit = $"at most {MaxInputBytes >> 20} MiB";

    public static Command Create()
    {
        var command = new Command("tokenizer", "Train byte-pair-encoding tokenizers; encode and decode with them or with gpt2, cl100k, o200k");
        command.Subcommands.Add(Train());
        command.Subcommands.Add(Encode());
        command.Subcommands.Add(Decode());
        return command;
    }

    private static Option<bool> ReplaceInvalidOption() => new("--replace-invalid")
    {
        Description = "Read bytes that are not UTF-8 as U+FFFD (and say how many); without it they are an error naming the first one's offset",
        DefaultValueFactory = _ => false,
    };

    private static Command Train()
    {
        var input = new Option<FileInfo>("--input", "-i") { Description = $"Text file to learn from (UTF-8, {Limit})", Required = true };
        var vocabSize = new Option<int>("--vocab-size") { Description = $"Vocabulary size: 256 bytes + merges + special tokens (at most {BpeTrainer.MaxVocabSize:N0})", Required = true };
        var pattern = new Option<string>("--pattern")
        {
            Description = "Split pattern: gpt2, gpt4 (cl100k), gpt4o (o200k), none (basic BPE over the whole text) or a regular expression " +
                          "(.NET syntax; possessive quantifiers allowed; text it does not match becomes chunks of its own)",
            DefaultValueFactory = _ => "gpt4",
        };
        var specials = new Option<string[]>("--special")
        {
            Description = "A special token (repeatable), e.g. --special '<|endoftext|>'; they take the last ids [default: none]",
            DefaultValueFactory = _ => [],
            AllowMultipleArgumentsPerToken = false,
        };
        var output = new Option<string>("--out", "-o") { Description = "Output prefix: writes PREFIX.model and PREFIX.vocab (both or neither)", Required = true };
        var replaceInvalid = ReplaceInvalidOption();

        var command = new Command("train", "Learn BPE merges from a text; writes PREFIX.model (loadable) and PREFIX.vocab (readable)")
        {
            input, vocabSize, pattern, specials, output, replaceInvalid,
        };
        command.SetAction(parse =>
        {
            TextWriter console = parse.InvocationConfiguration.Output;
            FileInfo file = parse.GetValue(input)!;
            int size = parse.GetValue(vocabSize);
            string[] specialTokens = parse.GetValue(specials) ?? [];
            if (size < 256 + specialTokens.Length)
                throw new UsageException($"--vocab-size {size} is below 256 bytes + {specialTokens.Length} special tokens");
            if (size > BpeTrainer.MaxVocabSize)
                throw new UsageException($"--vocab-size {size} is above the largest vocabulary, {BpeTrainer.MaxVocabSize:N0}");
            if (specialTokens.FirstOrDefault(string.IsNullOrEmpty) is not null || specialTokens.Distinct().Count() != specialTokens.Length)
                throw new UsageException("--special tokens must be non-empty and distinct");
            string? splitPattern = Patterns.Resolve(parse.GetValue(pattern) ?? "gpt4");
            string prefix = parse.GetValue(output)!;
            Usage(() => Patterns.Check(splitPattern));
            Usage(() => BpeModelFile.CheckOutput(prefix, splitPattern, specialTokens, createDirectory: true));

            string text = ReadText(InputFile.ReadBytes(file.FullName, MaxInputBytes, "input file"), $"input file '{file.FullName}'",
                parse.GetValue(replaceInvalid), parse.InvocationConfiguration.Error);
            int merges = size - 256 - specialTokens.Length;
            var clock = Stopwatch.StartNew();
            BpeTokenizer tokenizer = TrainingProgress.Run($"bpe {Path.GetFileName(file.FullName)}", Math.Max(1, merges), console,
                reporter => BpeTrainer.Train(text, size, splitPattern, specialTokens,
                    (done, total) => reporter.Step(done, $"vocab {256 + done}")),
                logEvery: Math.Max(1, merges / 100) * 10);
            double seconds = clock.Elapsed.TotalSeconds;

            tokenizer.Save(prefix);
            int tokens = tokenizer.EncodeOrdinary(text).Length;
            int bytes = System.Text.Encoding.UTF8.GetByteCount(text);
            console.WriteLine($"learned {tokenizer.Merges.Count} merges in {seconds:F2} s; vocabulary {tokenizer.VocabSize}");
            console.WriteLine($"{file.Name}: {text.Length:N0} characters -> {tokens:N0} tokens" +
                              (tokens == 0 ? "" : $" ({(double)bytes / tokens:F2} bytes per token)"));
            console.WriteLine($"wrote {prefix}.model and {prefix}.vocab");
            return NablaApp.ExitOk;
        });
        return command;
    }

    /// <summary>Runs a check whose <see cref="ArgumentException"/> is a bad option value (exit code 2).</summary>
    private static void Usage(Action check)
    {
        try { check(); }
        catch (ArgumentException e) { throw new UsageException(e.Message); }
    }

    /// <summary>UTF-8 input as text; invalid bytes are an error, or with --replace-invalid become U+FFFD and a note says so.</summary>
    private static string ReadText(byte[] bytes, string name, bool replaceInvalid, TextWriter notes)
    {
        try
        {
            string text = InputFile.DecodeUtf8(bytes, name, replaceInvalid);
            if (replaceInvalid && InputFile.FirstInvalidUtf8(bytes) is var offset and >= 0)
                notes.WriteLine($"nabla: note: {name} is not valid UTF-8 (first invalid byte at offset {offset}); invalid bytes were read as U+FFFD");
            return text;
        }
        catch (InvalidUtf8Exception e)
        {
            throw new InvalidDataException($"{e.Message}; pass --replace-invalid to read invalid bytes as U+FFFD", e);
        }
    }

    private static byte[] ReadStandardInput()
    {
        using Stream stdin = Console.OpenStandardInput();
        return InputFile.ReadBytes(stdin, "standard input", MaxInputBytes);
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
        var text = new Argument<string?>("text") { Description = $"Text to encode (read from standard input when absent, {Limit})", Arity = ArgumentArity.ZeroOrOne };
        var show = new Option<bool>("--show") { Description = "Show each token's id and text side by side", DefaultValueFactory = _ => false };
        var allowSpecial = new Option<bool>("--allow-special") { Description = "Encode special-token text such as <|endoftext|> as special tokens (otherwise it is an error)", DefaultValueFactory = _ => false };
        var replaceInvalid = ReplaceInvalidOption();
        var command = new Command("encode", "Encode text to token ids") { encoding, text, show, allowSpecial, replaceInvalid };
        command.SetAction(parse =>
        {
            TextWriter console = parse.InvocationConfiguration.Output;
            BpeTokenizer tokenizer = Resolve(parse.GetValue(encoding)!);
            string input = parse.GetValue(text)
                ?? ReadText(ReadStandardInput(), "standard input", parse.GetValue(replaceInvalid), parse.InvocationConfiguration.Error);
            int[] ids;
            try { ids = tokenizer.Encode(input, parse.GetValue(allowSpecial) ? AllowedSpecial.All : AllowedSpecial.None); }
            catch (DisallowedSpecialTokenException e)
            {
                throw new InvalidDataException(
                    $"the text contains the special token {Printable.Quote(e.Token)} at character {e.Position}; " +
                    "pass --allow-special to encode it as that special token", e);
            }
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
        var ids = new Argument<string[]>("ids") { Description = $"Token ids (read from standard input when absent, {Limit})", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("decode", "Decode token ids to text (ids that cut a character give U+FFFD)") { encoding, ids };
        command.SetAction(parse =>
        {
            BpeTokenizer tokenizer = Resolve(parse.GetValue(encoding)!);
            string[] words = parse.GetValue(ids) is { Length: > 0 } given ? given
                : ReadText(ReadStandardInput(), "standard input", false, parse.InvocationConfiguration.Error)
                    .Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            var values = new int[words.Length];
            for (int i = 0; i < words.Length; i++)
            {
                // Both kinds of bad id are bad values of the ids: exit code 2, whichever it is.
                if (!int.TryParse(words[i].Trim(',', '[', ']'), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out values[i]))
                    throw new UsageException($"token id {Printable.Quote(words[i], 30)} (number {i + 1}) is not an integer");
                if (!tokenizer.Contains(values[i]))
                    throw new UsageException($"token id {values[i]} (number {i + 1}) is not in the vocabulary of {tokenizer.Name} (ids 0 to {tokenizer.VocabSize - 1})");
            }
            parse.InvocationConfiguration.Output.WriteLine(tokenizer.Decode(values));
            return NablaApp.ExitOk;
        });
        return command;
    }
}
