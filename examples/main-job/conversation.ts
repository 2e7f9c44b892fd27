/**
 * A small multi-session conversation written for MemOS.js (not from any data set): two friends,
 * Priya and Tom, over three sessions in spring 2024.
 */
export interface ExampleSession {
  id: string;
  /** Human chat time of the session, as chat logs often write it. */
  time: string;
  turns: { speaker: 'Priya' | 'Tom'; text: string; id: string }[];
}

export const SPEAKERS = { user: 'Priya', assistant: 'Tom' } as const;

export const SESSIONS: ExampleSession[] = [
  {
    id: 'session-1',
    time: '7:12 pm on 3 March, 2024',
    turns: [
      { id: 'S1:1', speaker: 'Priya', text: "Hey Tom! I finally adopted a dog from the shelter last weekend, a beagle called Biscuit." },
      { id: 'S1:2', speaker: 'Tom', text: 'No way, congratulations! How is Biscuit settling in?' },
      { id: 'S1:3', speaker: 'Priya', text: "He's great but he howls whenever I leave for work at the hospital." },
      { id: 'S1:4', speaker: 'Tom', text: 'My sister used a puzzle feeder for her dog, it kept him busy for hours.' },
      { id: 'S1:5', speaker: 'Priya', text: "Good idea. Also, I'm training for the Lisbon half marathon in May, running three times a week." },
      { id: 'S1:6', speaker: 'Tom', text: "Impressive. I've been learning the cello since January, my teacher is very strict." },
    ],
  },
  {
    id: 'session-2',
    time: '6:40 pm on 17 April, 2024',
    turns: [
      { id: 'S2:1', speaker: 'Tom', text: 'How did the puzzle feeder work out with Biscuit?' },
      { id: 'S2:2', speaker: 'Priya', text: 'It works! He barely howls now. I also started a vegetable garden: tomatoes, basil and peppers.' },
      { id: 'S2:3', speaker: 'Tom', text: 'I played my first cello recital on Saturday, Bach suite number one. I was so nervous.' },
      { id: 'S2:4', speaker: 'Priya', text: "That's wonderful! My favourite food these days is my mum's lentil dal." },
      { id: 'S2:5', speaker: 'Tom', text: 'Ha, my favourite food is still sushi. I am moving to Porto next month for a new job at a design studio.' },
    ],
  },
  {
    id: 'session-3',
    time: '9:05 am on 26 May, 2024',
    turns: [
      { id: 'S3:1', speaker: 'Priya', text: 'I ran the Lisbon half marathon yesterday in 1 hour 58 minutes!' },
      { id: 'S3:2', speaker: 'Tom', text: 'Amazing time! Porto is lovely, the studio team took me to a fado night.' },
      { id: 'S3:3', speaker: 'Priya', text: 'Biscuit came to cheer at the finish line with my brother Arjun.' },
      { id: 'S3:4', speaker: 'Tom', text: "Honestly, I don't like sushi anymore, my favourite food is now grilled sardines." },
    ],
  },
];
