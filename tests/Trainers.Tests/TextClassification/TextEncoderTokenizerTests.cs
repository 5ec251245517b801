using Pipelines.Testing;
using Pipelines.Trainers.TextClassification;
using Xunit;

namespace Pipelines.Trainers.Tests.TextClassification;

public sealed class TextEncoderTokenizerTests
{
    // Reference ids are bert-base-uncased / all-MiniLM-L6-v2 WordPiece ids (the same ids the lead's MiniLm.SampleBatch uses).
    [Theory]
    [InlineData("The quick brown fox jumps over the lazy dog", new[] { 101, 1996, 4248, 2829, 4419, 14523, 2058, 1996, 13971, 3899, 102 })]
    [InlineData("I love this movie", new[] { 101, 1045, 2293, 2023, 3185, 102 })]
    [InlineData("It was a terrible day.", new[] { 101, 2009, 2001, 1037, 6659, 2154, 1012, 102 })]
    public void EncodesLikeTheReferenceTokenizer(string text, int[] expected)
    {
        TextEncoderTokenizer tokenizer = TextEncoderTokenizer.FromVocab(MiniLm.Files.VocabPath);
        Assert.Equal(expected, tokenizer.Encode(text));
    }

    [Fact]
    public void TruncatesKeepingSpecialTokens()
    {
        TextEncoderTokenizer tokenizer = TextEncoderTokenizer.FromVocab(MiniLm.Files.VocabPath, maxLength: 5);
        int[] ids = tokenizer.Encode("The quick brown fox jumps over the lazy dog");
        Assert.Equal([101, 1996, 4248, 2829, 102], ids);
    }

    [Fact]
    public void PadsToLongestRowWithZeroMask()
    {
        TextEncoderTokenizer tokenizer = TextEncoderTokenizer.FromVocab(MiniLm.Files.VocabPath);
        EncodedBatch batch = tokenizer.EncodeBatch(["I love this movie", "It was a terrible day."]);
        Assert.Equal(2, batch.Batch);
        Assert.Equal(8, batch.Sequence);
        Assert.Equal([1L, 1, 1, 1, 1, 1, 0, 0], batch.AttentionMask[..8]);
        Assert.Equal([0L, 0], batch.InputIds[6..8]);
        Assert.All(batch.TokenTypeIds, t => Assert.Equal(0, t));
        Assert.Equal(8, batch.AttentionMask[8..].Sum());
    }

    [Fact]
    public void MissingVocabNamesFile()
    {
        var ex = Assert.Throws<FileNotFoundException>(() => TextEncoderTokenizer.FromVocab("/nope/vocab.txt"));
        Assert.Contains("/nope/vocab.txt", ex.Message, StringComparison.Ordinal);
    }
}
