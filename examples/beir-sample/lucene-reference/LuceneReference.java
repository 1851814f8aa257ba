// Reference outputs from Apache Lucene itself (Debian's liblucene8-java), used by test/eval-bm25.test.ts.
// Not part of the package: regenerate with ./generate.sh (needs a JDK and liblucene8-java).
//
//   java LuceneReference run DOCS.tsv QUERIES.tsv   -> TREC run: EnglishAnalyzer + BM25Similarity(0.9, 0.4), all hits
//   java LuceneReference analyze TEXTS.txt          -> one line per input line: EnglishAnalyzer's tokens, space-separated
//   java LuceneReference stem WORDS.txt             -> word<TAB>PorterStemFilter(word), lower-cased input
import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.core.KeywordTokenizer;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.en.PorterStemFilter;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.BoostQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.similarities.BM25Similarity;
import org.apache.lucene.store.ByteBuffersDirectory;

public class LuceneReference {
  static List<String> tokens(Analyzer analyzer, String text) throws IOException {
    List<String> out = new ArrayList<>();
    try (TokenStream ts = analyzer.tokenStream("contents", new StringReader(text))) {
      CharTermAttribute term = ts.addAttribute(CharTermAttribute.class);
      ts.reset();
      while (ts.incrementToken()) out.add(term.toString());
      ts.end();
    }
    return out;
  }

  public static void main(String[] args) throws Exception {
    Analyzer english = new EnglishAnalyzer();
    switch (args[0]) {
      case "analyze":
        for (String line : Files.readAllLines(Paths.get(args[1]), StandardCharsets.UTF_8))
          System.out.println(String.join(" ", tokens(english, line)));
        break;
      case "stem": {
        Analyzer porter = new Analyzer() {
          @Override
          protected TokenStreamComponents createComponents(String field) {
            KeywordTokenizer source = new KeywordTokenizer();
            return new TokenStreamComponents(source, new PorterStemFilter(source));
          }
        };
        for (String word : Files.readAllLines(Paths.get(args[1]), StandardCharsets.UTF_8)) {
          String w = word.trim().toLowerCase();
          if (!w.isEmpty()) System.out.println(w + "\t" + tokens(porter, w).get(0));
        }
        break;
      }
      case "run": {
        BM25Similarity bm25 = new BM25Similarity(0.9f, 0.4f);
        ByteBuffersDirectory dir = new ByteBuffersDirectory();
        IndexWriterConfig config = new IndexWriterConfig(english).setSimilarity(bm25);
        try (IndexWriter writer = new IndexWriter(dir, config)) {
          for (String line : Files.readAllLines(Paths.get(args[1]), StandardCharsets.UTF_8)) {
            String[] f = line.split("\t", 2);
            Document doc = new Document();
            doc.add(new StringField("id", f[0], Field.Store.YES));
            doc.add(new TextField("contents", f[1], Field.Store.NO));
            writer.addDocument(doc);
          }
        }
        IndexSearcher searcher = new IndexSearcher(DirectoryReader.open(dir));
        searcher.setSimilarity(bm25);
        for (String line : Files.readAllLines(Paths.get(args[2]), StandardCharsets.UTF_8)) {
          String[] f = line.split("\t", 2);
          // Anserini's bag-of-words query: one SHOULD clause per distinct term, boosted by its count in the query.
          Map<String, Integer> counts = new LinkedHashMap<>();
          for (String t : tokens(english, f[1])) counts.merge(t, 1, Integer::sum);
          BooleanQuery.Builder query = new BooleanQuery.Builder();
          for (Map.Entry<String, Integer> e : counts.entrySet())
            query.add(new BoostQuery(new TermQuery(new Term("contents", e.getKey())), e.getValue()), BooleanClause.Occur.SHOULD);
          ScoreDoc[] hits = searcher.search(query.build(), 1000).scoreDocs;
          List<String[]> rows = new ArrayList<>();
          for (ScoreDoc h : hits) rows.add(new String[] {searcher.doc(h.doc).get("id"), Float.toString(h.score)});
          // Anserini's order: score descending, then docid ascending.
          rows.sort((a, b) -> {
            int c = Float.compare(Float.parseFloat(b[1]), Float.parseFloat(a[1]));
            return c != 0 ? c : a[0].compareTo(b[0]);
          });
          int rank = 1;
          for (String[] r : rows) System.out.println(f[0] + " Q0 " + r[0] + " " + rank++ + " " + r[1] + " lucene-bm25");
        }
        break;
      }
      default:
        throw new IllegalArgumentException(args[0]);
    }
  }
}
